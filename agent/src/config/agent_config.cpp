#include "agent_config.hpp"

#include "terminals/protocol_registry.hpp"

#include <punchlink/common/password_file.hpp>
#include <punchlink/common/units.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace punchlink::agent {

namespace {

using config::YamlMap;

bool validSiteId(const std::string& id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

void readUplink(YamlMap& map, UplinkConfig& uplink, const std::string& site_id) {
  uplink.broker = map.required<std::string>("broker");
  uplink.client_id = map.get<std::string>("client_id", site_id);
  uplink.username = map.get<std::string>("username", site_id);
  auto password = config::readBrokerPassword(map, "broker", uplink.broker);
  uplink.password = std::move(password.password);
  uplink.password_file = std::move(password.file);
  uplink.ca_file = map.get<std::string>("ca_file", "");
  uplink.cert_file = map.get<std::string>("cert_file", "");
  uplink.key_file = map.get<std::string>("key_file", "");
  uplink.verify_hostname = map.get("verify_hostname", true);
  uplink.batch_size = map.getInRange<std::size_t>("batch_size", 100, 1, 10'000);
  uplink.batch_delay = map.get("batch_delay", uplink.batch_delay);
  uplink.ack_timeout =
      map.getAtLeast("ack_timeout", uplink.ack_timeout, std::chrono::milliseconds{1000});
  uplink.drain_rate = map.get("drain_rate", uplink.drain_rate);
  if (uplink.drain_rate <= 0) {
    map.fail("drain_rate", "must be more than 0 punches per second");
  }
  uplink.drain_burst = map.getInRange<std::size_t>("drain_burst", 500, 1, 1'000'000);
}

DeviceConfig readDevice(YamlMap& map,
                        const ProtocolRegistry& protocols,
                        const ClockSettings& site_clock) {
  DeviceConfig device;
  device.name = map.required<std::string>("name");
  device.clock = readClockSettings(map, site_clock);
  const std::vector<std::string> names = protocols.names();
  device.protocol = map.oneOf("protocol", protocols.defaultProtocol().name(),
                              std::vector<std::string_view>(names.begin(), names.end()));
  device.settings = protocols.find(device.protocol)->parseDevice(map);
  return device;
}

AgentConfig readConfig(YamlMap& root, const ProtocolRegistry& protocols) {
  AgentConfig config;
  config.schema_version = root.getInRange("schema_version", 1, 1, 1);
  config.site_id = root.required<std::string>("site_id");
  if (!validSiteId(config.site_id)) {
    root.fail("site_id",
              "must be 1-64 characters from a-z, A-Z, 0-9, '-', '_' and '.' (it is "
              "part of MQTT topic names)");
  }
  const auto level = parseLogLevel(root.get<std::string>("log_level", "info"));
  if (!level) {
    root.fail("log_level", level.error().toString());
  }
  config.log_level = *level;
  root.section("uplink", [&](YamlMap& map) { readUplink(map, config.uplink, config.site_id); });
  root.optionalSection("outbox", [&](YamlMap& map) {
    config.outbox.path = map.get<std::string>("path", config.outbox.path);
    config.outbox.max_size = map.get("max_size", config::ByteSize{config.outbox.max_size}).bytes;
    config.outbox.alarm_percent = map.getInRange("alarm_percent", 80, 1, 100);
    config.outbox.retention = map.get("retention", config.outbox.retention);
  });
  root.optionalSection("status", [&](YamlMap& map) {
    config.status.listen = map.get<std::string>("listen", config.status.listen);
    config.status.interval =
        map.getAtLeast("interval", config.status.interval, std::chrono::milliseconds{1000});
  });
  config.command_expiry =
      root.getAtLeast("command_expiry", config.command_expiry, std::chrono::milliseconds{1000});
  root.optionalSection("clock", [&](YamlMap& map) {
    config.clock = readClockSettings(map, config.clock).value_or(config.clock);
  });
  for (const auto& protocol : protocols.all()) {
    if (!protocol->hasSection()) {
      continue;
    }
    ProtocolSettingsPtr settings;
    if (!root.optionalSection(protocol->name(),
                              [&](YamlMap& map) { settings = protocol->parseSection(&map); })) {
      settings = protocol->parseSection(nullptr);
    }
    config.sections.push_back({std::string(protocol->name()), std::move(settings)});
  }
  std::set<std::string> names;
  std::set<std::string> serials;
  if (root.has("devices") && !root.hasNonEmptyList("devices")) {
    root.fail("devices", "lists no terminal; add at least one (name, host)");
  }
  root.eachItem(
      "devices",
      [&](YamlMap& map, std::size_t) {
        DeviceConfig device = readDevice(map, protocols, config.clock);
        if (!names.insert(device.name).second) {
          map.fail("name", "\"" + device.name + "\" is used by another device; names are unique");
        }
        const std::string serial = device.settings->configuredSerial();
        if (!serial.empty() && !serials.insert(serial).second) {
          map.fail("serial", "\"" + serial + "\" is listed twice; serials are unique");
        }
        config.devices.push_back(std::move(device));
      },
      true);
  return config;
}

}  // namespace

Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc,
                                     const ProtocolRegistry& protocols) {
  return config::parseYamlConfig(doc, [&](YamlMap& root) { return readConfig(root, protocols); });
}

Result<AgentConfig> loadAgentConfig(const std::string& path, const ProtocolRegistry& protocols) {
  auto doc = config::YamlDocument::loadFile(path);
  if (!doc) {
    return doc.error();
  }
  return parseAgentConfig(*doc, protocols);
}

std::string describeAgentConfig(const AgentConfig& config, const ProtocolRegistry& protocols) {
  const auto q = yamlQuoted;
  const auto secret = [](const std::string& value) {
    return value.empty() ? std::string("\"\"") : std::string("\"<redacted>\"");
  };
  std::ostringstream out;
  out << "schema_version: " << config.schema_version << "\n"
      << "site_id: " << q(config.site_id) << "\n"
      << "log_level: " << logLevelName(config.log_level) << "\n"
      << "uplink:\n"
      << "  broker: " << q(config.uplink.broker) << "\n"
      << "  client_id: " << q(config.uplink.client_id) << "\n"
      << "  username: " << q(config.uplink.username) << "\n"
      << "  password: " << secret(config.uplink.password) << "\n"
      << "  password_file: " << q(config.uplink.password_file) << "\n"
      << "  ca_file: " << q(config.uplink.ca_file) << "\n"
      << "  cert_file: " << q(config.uplink.cert_file) << "\n"
      << "  key_file: " << q(config.uplink.key_file) << "\n"
      << "  verify_hostname: " << (config.uplink.verify_hostname ? "true" : "false") << "\n"
      << "  batch_size: " << config.uplink.batch_size << "\n"
      << "  batch_delay: " << formatDuration(config.uplink.batch_delay) << "\n"
      << "  ack_timeout: " << formatDuration(config.uplink.ack_timeout) << "\n"
      << "  drain_rate: " << config.uplink.drain_rate << "\n"
      << "  drain_burst: " << config.uplink.drain_burst << "\n"
      << "outbox:\n"
      << "  path: " << q(config.outbox.path) << "\n"
      << "  max_size: " << formatByteSize(config.outbox.max_size) << "\n"
      << "  alarm_percent: " << config.outbox.alarm_percent << "\n"
      << "  retention: " << formatDuration(config.outbox.retention) << "\n"
      << "status:\n"
      << "  listen: " << q(config.status.listen) << "\n"
      << "  interval: " << formatDuration(config.status.interval) << "\n"
      << "command_expiry: " << formatDuration(config.command_expiry) << "\n"
      << "clock:\n";
  describeClockSettings(out, config.clock, "  ");
  for (const auto& section : config.sections) {
    out << section.protocol << ":\n";
    section.settings->describe(out);
  }
  out << "devices:\n";
  for (const auto& device : config.devices) {
    out << "  - name: " << q(device.name) << "\n";
    if (device.protocol != protocols.defaultProtocol().name()) {
      out << "    protocol: " << device.protocol << "\n";
    }
    device.settings->describe(out);
    if (device.clock) {
      describeClockSettings(out, *device.clock, "    ");
    }
  }
  return out.str();
}

}  // namespace punchlink::agent
