# .deb packages (CPack): punchlink-agent, punchlink-relay, and punchlink-tools (zk-sim).
# Built from the release preset: `cmake --build --preset release && cpack --config
# build/release/CPackConfig.cmake` (tests/packaging/check-packages.sh does exactly that).
include(GNUInstallDirs)

install(TARGETS punchlink-agent RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/agent.example.yaml
  DESTINATION /etc/punchlink RENAME agent.yaml COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/punchlink-agent.service
  DESTINATION lib/systemd/system COMPONENT agent)
install(FILES ${PROJECT_SOURCE_DIR}/docs/agent.md ${PROJECT_SOURCE_DIR}/docs/agent-config.md
  ${PROJECT_SOURCE_DIR}/docs/mqtt-contract.md
  DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/punchlink-agent COMPONENT agent)

install(TARGETS punchlink-relay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT relay)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/relay.example.yaml
  DESTINATION /etc/punchlink RENAME relay.yaml COMPONENT relay)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/mosquitto-punchlink.conf
  ${PROJECT_SOURCE_DIR}/packaging/mosquitto-punchlink.acl
  DESTINATION ${CMAKE_INSTALL_DATADIR}/punchlink-relay COMPONENT relay)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/punchlink-relay.service
  DESTINATION lib/systemd/system COMPONENT relay)
install(FILES ${PROJECT_SOURCE_DIR}/docs/relay.md ${PROJECT_SOURCE_DIR}/docs/webhooks.md
  ${PROJECT_SOURCE_DIR}/docs/openapi.json ${PROJECT_SOURCE_DIR}/docs/mqtt-contract.md
  DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/punchlink-relay COMPONENT relay)

if(TARGET zk-sim)
  install(TARGETS zk-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
endif()

set(CPACK_PACKAGE_NAME punchlink)
set(CPACK_PACKAGE_VENDOR "punchlink")
set(CPACK_PACKAGE_CONTACT "punchlink maintainers <maintainers@punchlink.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL agent relay tools)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the binaries' shared libraries
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://punchlink.invalid")
set(CPACK_DEBIAN_AGENT_PACKAGE_NAME punchlink-agent)
set(CPACK_DEBIAN_RELAY_PACKAGE_NAME punchlink-relay)
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME punchlink-tools)
set(CPACK_DEBIAN_AGENT_DESCRIPTION
  "punchlink site agent\n Reads ZKTeco-family attendance terminals on the LAN and forwards every\n punch to the punchlink relay over MQTT/TLS, keeping it in a durable outbox\n until the relay has stored it.")
set(CPACK_DEBIAN_RELAY_DESCRIPTION
  "punchlink relay\n Takes the agents' punches from the MQTT broker, stores them, serves the\n /v1 REST API and delivers signed webhooks with retries.")
set(CPACK_DEBIAN_TOOLS_DESCRIPTION
  "punchlink tools\n zk-sim, an emulated ZKTeco terminal for tests and demonstrations.")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/packaging/deb/agent/conffiles;${PROJECT_SOURCE_DIR}/packaging/deb/agent/postinst;${PROJECT_SOURCE_DIR}/packaging/deb/agent/prerm")
set(CPACK_DEBIAN_RELAY_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/packaging/deb/relay/conffiles;${PROJECT_SOURCE_DIR}/packaging/deb/relay/postinst;${PROJECT_SOURCE_DIR}/packaging/deb/relay/prerm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
