// The configuration terminal protocols read and are given: the settings each protocol makes of
// a device entry and of its own section, and helpers for their parsers and describe(). config/
// collects them into AgentConfig and lends protocols a TerminalSetup of it; protocols depend on
// this file, never on config/.
#pragma once

#include "terminals/clock_policy.hpp"

#include <punchlink/common/time_zone.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace punchlink::agent {

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
  // Its own clock policy (sync_time, clock_threshold); nullopt: the site's `clock:` default.
  std::optional<ClockSettings> clock{};

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

// What a protocol's open() is given of the parsed configuration: every device (each protocol
// takes those naming it) and the protocols' sections. A view into the configuration, which
// outlives the call; terminals copy what they keep.
struct TerminalSetup {
  std::span<const ProtocolSection> sections;
  std::span<const DeviceConfig> devices;

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

// For protocols' parsers: reads an IANA zone name at `key` (keeping `zone_name` as the default)
// and fails there when the system does not know it.
void readTimeZone(config::YamlMap& map, std::string_view key, std::string& zone_name);

// A string for describe(): as a JSON string, which YAML reads back unchanged.
std::string yamlQuoted(const std::string& value);

// The zone of a name config loading has checked, so this never fails for a loaded config (UTC
// otherwise).
TimeZone configuredZone(const std::string& zone_name);

}  // namespace punchlink::agent
