# Compiler flags shared by every punchlink target, applied through an INTERFACE target
# so that third-party code (imported targets, FetchContent) never inherits them.
add_library(punchlink_warnings INTERFACE)
add_library(punchlink::warnings ALIAS punchlink_warnings)

target_compile_options(punchlink_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Wnull-dereference -Wcast-qual -Wformat=2 -Wimplicit-fallthrough)

if(PUNCHLINK_WARNINGS_AS_ERRORS)
  target_compile_options(punchlink_warnings INTERFACE -Werror)
endif()

if(PUNCHLINK_HARDENING)
  target_compile_definitions(punchlink_warnings INTERFACE _FORTIFY_SOURCE=2 _GLIBCXX_ASSERTIONS)
  target_compile_options(punchlink_warnings INTERFACE
    -fstack-protector-strong -fstack-clash-protection -fcf-protection)
  target_link_options(punchlink_warnings INTERFACE -Wl,-z,relro -Wl,-z,now)
endif()
