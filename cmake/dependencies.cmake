# Every third-party dependency comes from a Debian package (see scripts/install-deps.sh).
# Found once here so that component CMakeLists only name targets.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Poco REQUIRED COMPONENTS Foundation Net NetSSL Util JSON Crypto Data DataSQLite)
find_package(PahoMqttCpp REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(date REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

# yaml-cpp 0.7 (Debian 12) exports `yaml-cpp`, 0.8 exports `yaml-cpp::yaml-cpp`: name it once.
if(NOT TARGET punchlink::yaml)
  add_library(punchlink_yaml INTERFACE)
  add_library(punchlink::yaml ALIAS punchlink_yaml)
  if(TARGET yaml-cpp::yaml-cpp)
    target_link_libraries(punchlink_yaml INTERFACE yaml-cpp::yaml-cpp)
  else()
    target_link_libraries(punchlink_yaml INTERFACE yaml-cpp)
  endif()
endif()

if(PUNCHLINK_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
