# Layered libraries: each component folder is a static library that names, as its link
# dependencies, only the layers below it. punchlink_layer_check(<target>) links every object of
# <target> (whole archive) into a throwaway program with nothing but those dependencies, so
# code that reaches up into a layer it does not depend on fails the build with an undefined
# reference instead of linking because the final program happens to contain everything.
set(PUNCHLINK_LAYER_CHECK_MAIN ${CMAKE_CURRENT_LIST_DIR}/layer_check_main.cpp)

function(punchlink_layer_check target)
  add_executable(${target}_layer_check ${PUNCHLINK_LAYER_CHECK_MAIN})
  target_link_libraries(${target}_layer_check PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${target}>")
endfunction()

# punchlink_component(<name> SOURCES ... DEPENDS ... [PRIVATE ...]): the library
# punchlink_<name> (alias punchlink::<name>) from sources under the calling folder's src/, with
# its layer check. A folder of headers only gives no SOURCES: an INTERFACE library naming what
# its headers need, so its dependents still say they use it; having no archive, it has no check.
function(punchlink_component name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;DEPENDS;PRIVATE")
  if(NOT arg_SOURCES)
    if(arg_PRIVATE)
      message(FATAL_ERROR "punchlink_component(${name}): PRIVATE needs SOURCES")
    endif()
    add_library(punchlink_${name} INTERFACE)
    add_library(punchlink::${name} ALIAS punchlink_${name})
    target_include_directories(punchlink_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(punchlink_${name} INTERFACE ${arg_DEPENDS})
    return()
  endif()
  add_library(punchlink_${name} STATIC ${arg_SOURCES})
  add_library(punchlink::${name} ALIAS punchlink_${name})
  target_include_directories(punchlink_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(punchlink_${name}
    PUBLIC ${arg_DEPENDS}
    PRIVATE punchlink::warnings ${arg_PRIVATE})
  if(PUNCHLINK_LIBFUZZER)
    target_compile_options(punchlink_${name} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
  punchlink_layer_check(punchlink_${name})
endfunction()
