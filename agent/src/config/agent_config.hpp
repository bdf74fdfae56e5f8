// The agent's configuration: plain structs with defaults, parsed once from YAML (STYLE.md §6).
// Terminal protocols read their own keys (terminals/terminal_protocol.hpp); every key is in
// docs/agent-config.md, and packaging/agent.example.yaml shows them all.
#pragma once

#include "outbox/outbox_config.hpp"
#include "status/status_config.hpp"
#include "terminals/terminal_config.hpp"
#include "uplink/uplink_config.hpp"

#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::agent {

struct AgentConfig {
  int schema_version = 1;
  std::string site_id;
  LogLevel log_level = LogLevel::Info;
  UplinkConfig uplink;
  OutboxConfig outbox;
  StatusConfig status;
  std::chrono::milliseconds command_expiry{std::chrono::hours{24}};
  ClockSettings clock;  // the site default: `clock:` (sync_time, clock_threshold)
  // The protocols' own sections, in registration order; a protocol with a section always has
  // one here after parsing (its defaults when the file leaves it out).
  std::vector<ProtocolSection> sections;
  std::vector<DeviceConfig> devices;

  // What terminal protocols are given (TerminalProtocol::open); it refers into this config.
  TerminalSetup terminalSetup() const { return {sections, devices}; }

  // The section of `protocol` as the type it made, or nullptr.
  template <typename T>
  const T* section(std::string_view protocol) const {
    return terminalSetup().section<T>(protocol);
  }
};

class ProtocolRegistry;

// Parses and validates; errors carry file:line:col and the key path. Reads password_file. Each
// device (and each protocol's section) is read by the protocol it names, from `protocols`, so
// this parser knows no protocol; app/builtin_protocols.hpp has overloads with the shipped ones.
Result<AgentConfig> loadAgentConfig(const std::string& path, const ProtocolRegistry& protocols);
Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc,
                                     const ProtocolRegistry& protocols);

// The effective configuration as YAML, with secrets replaced by "<redacted>". A device's
// `protocol` is printed when it is not the registry's default.
std::string describeAgentConfig(const AgentConfig& config, const ProtocolRegistry& protocols);

}  // namespace punchlink::agent
