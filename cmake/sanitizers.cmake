# ASan + UBSan for the whole build tree (our code only: imported libraries stay as Debian ships them).
if(PUNCHLINK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
