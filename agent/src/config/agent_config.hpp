// The agent's configuration: plain structs with defaults, parsed once from YAML (STYLE.md §6).
// Terminal protocols read their own keys (terminals/terminal_protocol.hpp); every key is in
// docs/agent-config.md, and packaging/agent.example.yaml shows them all.
#pragma once

#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::agent {

struct UplinkConfig {
  std::string broker;  // mqtts://host:port
  std::string client_id;
  std::string username;
  std::string password;  // from `password` or `password_file`
  std::string password_file;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool verify_hostname = true;
  std::size_t batch_size = 100;
  std::chrono::milliseconds batch_delay{200};
  std::chrono::milliseconds ack_timeout{30'000};
  double drain_rate = 200;  // punches per second once a backlog drains
  std::size_t drain_burst = 500;
};

struct OutboxConfig {
  std::string path = "/var/lib/punchlink/outbox.db";
  std::uint64_t max_size = 1ULL << 30U;
  int alarm_percent = 80;
  std::chrono::seconds retention{std::chrono::hours{24 * 7}};
};

struct StatusConfig {
  std::string listen = "127.0.0.1:8787";  // empty: no local status listener
  std::chrono::milliseconds interval{60'000};
};

// What a terminal protocol read from one entry of `devices`, besides its name and protocol
// (zk_terminal/zk_device_config.hpp, push/push_config.hpp). Only that protocol reads it.
class DeviceSettings {
 public:
  DeviceSettings() = default;
  virtual ~DeviceSettings() = default;
  DeviceSettings(const DeviceSettings&) = default;
  DeviceSettings& operator=(const DeviceSettings&) = default;
  DeviceSettings(DeviceSettings&&) = default;
  DeviceSettings& operator=(DeviceSettings&&) = default;

  // The serial number the file gives the terminal, "" when its protocol learns it from the
  // terminal. Serials given are unique among the devices.
  virtual std::string configuredSerial() const { return {}; }

  // Its keys as --check-config prints them: YAML lines indented by four spaces, secrets redacted.
  virtual void describe(std::ostream& out) const = 0;
};

// What a protocol read from its own top-level section, named after it (e.g. `push:`).
class ProtocolSettings {
 public:
  ProtocolSettings() = default;
  virtual ~ProtocolSettings() = default;
  ProtocolSettings(const ProtocolSettings&) = default;
  ProtocolSettings& operator=(const ProtocolSettings&) = default;
  ProtocolSettings(ProtocolSettings&&) = default;
  ProtocolSettings& operator=(ProtocolSettings&&) = default;

  // The section's keys as YAML lines indented by two spaces, secrets redacted.
  virtual void describe(std::ostream& out) const = 0;
};

using DeviceSettingsPtr = std::shared_ptr<const DeviceSettings>;
using ProtocolSettingsPtr = std::shared_ptr<const ProtocolSettings>;

struct DeviceConfig {
  std::string name;
  std::string protocol;  // the name() of a registered TerminalProtocol
  DeviceSettingsPtr settings;

  // The settings as the type its protocol made. Only that protocol calls this, so another type
  // (or none) is a programmer error: std::bad_cast or std::logic_error.
  template <typename T>
  const T& settingsAs() const {
    if (!settings) {
      throw std::logic_error("device " + name + " has no settings");
    }
    return dynamic_cast<const T&>(*settings);
  }
};

struct ProtocolSection {
  std::string protocol;
  ProtocolSettingsPtr settings;
};

struct AgentConfig {
  int schema_version = 1;
  std::string site_id;
  LogLevel log_level = LogLevel::Info;
  UplinkConfig uplink;
  OutboxConfig outbox;
  StatusConfig status;
  std::chrono::milliseconds command_expiry{std::chrono::hours{24}};
  // The protocols' own sections, in registration order; a protocol with a section always has
  // one here after parsing (its defaults when the file leaves it out).
  std::vector<ProtocolSection> sections;
  std::vector<DeviceConfig> devices;

  // The section of `protocol` as the type it made, or nullptr.
  template <typename T>
  const T* section(std::string_view protocol) const {
    for (const auto& entry : sections) {
      if (entry.protocol == protocol) {
        return dynamic_cast<const T*>(entry.settings.get());
      }
    }
    return nullptr;
  }
};

class ProtocolRegistry;

// For protocols' parsers: reads an IANA zone name at `key` (keeping `zone_name` as the default)
// and fails there when the system does not know it.
void readTimeZone(config::YamlMap& map, std::string_view key, std::string& zone_name);

// A string for describe(): as a JSON string, which YAML reads back unchanged.
std::string yamlQuoted(const std::string& value);

// The zone of a name config loading has checked, so this never fails for a loaded config (UTC
// otherwise).
TimeZone configuredZone(const std::string& zone_name);

// Parses and validates; errors carry file:line:col and the key path. Reads password_file. Each
// device (and each protocol's section) is read by the protocol it names, from `protocols`; the
// overloads without it use builtinProtocols().
Result<AgentConfig> loadAgentConfig(const std::string& path);
Result<AgentConfig> loadAgentConfig(const std::string& path, const ProtocolRegistry& protocols);
Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc);
Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc,
                                     const ProtocolRegistry& protocols);

// The effective configuration as YAML, with secrets replaced by "<redacted>". A device's
// `protocol` is printed when it is not the registry's default.
std::string describeAgentConfig(const AgentConfig& config);
std::string describeAgentConfig(const AgentConfig& config, const ProtocolRegistry& protocols);

}  // namespace punchlink::agent
