# ASan + UBSan for the whole build tree (our code only: imported libraries stay as Debian ships them).
if(PUNCHLINK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer: the libraries get coverage instrumentation without libFuzzer's main (punchlink_component
# adds -fsanitize=fuzzer-no-link), the fuzz programs link libFuzzer (tests/fuzz). Programs that link
# the instrumented libraries without it, like the tests, get the sanitizer runtime's no-op hooks.
if(PUNCHLINK_LIBFUZZER AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "PUNCHLINK_LIBFUZZER needs clang (libFuzzer); configure with "
    "-DCMAKE_CXX_COMPILER=clang++ or use the ci or fuzz preset")
endif()
if(PUNCHLINK_LIBFUZZER AND NOT PUNCHLINK_SANITIZE)
  message(FATAL_ERROR "PUNCHLINK_LIBFUZZER needs PUNCHLINK_SANITIZE: a fuzzer without ASan and UBSan "
    "misses the memory errors it is there to find")
endif()
