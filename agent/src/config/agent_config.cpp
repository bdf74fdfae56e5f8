#include "agent_config.hpp"

#include <punchlink/common/adms/adms_codec.hpp>
#include <punchlink/common/time_zone.hpp>
#include <punchlink/common/units.hpp>

#include <Poco/Net/IPAddress.h>
#include <nlohmann/json.hpp>

#include <algorithm>
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
  if (uplink.broker.rfind("mqtts://", 0) != 0 && uplink.broker.rfind("mqtt://", 0) != 0) {
    map.fail("broker",
             "must start with mqtts:// (or mqtt:// for tests), e.g. "
             "mqtts://relay.example.com:8883");
  }
  uplink.client_id = map.get<std::string>("client_id", site_id);
  uplink.username = map.get<std::string>("username", site_id);
  uplink.password = map.get<std::string>("password", "");
  uplink.password_file = map.get<std::string>("password_file", "");
  if (!uplink.password.empty() && !uplink.password_file.empty()) {
    map.fail("password_file", "give either password or password_file, not both");
  }
  if (!uplink.password_file.empty()) {
    std::ifstream in(uplink.password_file);
    if (!in) {
      map.fail("password_file", "cannot read " + uplink.password_file +
                                    " (check the path and that the agent's user may read it)");
    }
    std::getline(in, uplink.password);
    while (!uplink.password.empty() &&
           (uplink.password.back() == '\r' || uplink.password.back() == ' ')) {
      uplink.password.pop_back();  // files written on Windows or with a trailing space
    }
    if (uplink.password.empty()) {
      map.fail("password_file", uplink.password_file + " is empty; its first line is the password");
    }
  }
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

void readTimeZone(YamlMap& map, const char* key, std::string& zone_name) {
  zone_name = map.get<std::string>(key, zone_name);
  if (auto zone = TimeZone::find(zone_name); !zone) {
    map.fail(key, zone.error().toString());
  }
}

void readPushDevice(YamlMap& map, DeviceConfig& device) {
  device.serial = map.required<std::string>("serial");
  if (!adms::isValidSerial(device.serial)) {
    map.fail("serial",
             "must be the terminal's serial number: 1-64 letters, digits, '-' or '_' (see the "
             "terminal's System Info menu)");
  }
  device.host = map.get<std::string>("host", "");
  // Requests are matched by their source address, which is never a name.
  Poco::Net::IPAddress address;
  if (!device.host.empty() && !Poco::Net::IPAddress::tryParse(device.host, address)) {
    map.fail("host",
             "must be the terminal's IP address (push requests are matched by source "
             "address), e.g. 10.7.0.31; leave it out to accept any address");
  }
  readTimeZone(map, "time_zone", device.time_zone);
}

void readPush(YamlMap& map, PushConfig& push) {
  push.listen = map.get<std::string>("listen", push.listen);
  if (push.listen.empty()) {
    map.fail("listen", "must be an address and port, e.g. \"0.0.0.0:8081\"");
  }
  push.accept_unknown = map.get("accept_unknown", push.accept_unknown);
  readTimeZone(map, "unknown_time_zone", push.unknown_time_zone);
  // The terminal reads both as whole seconds from 1 to 3600 (§2).
  for (auto [key, value] : {std::pair{"delay", &push.delay}, {"error_delay", &push.error_delay}}) {
    *value = map.getAtLeast(key, *value, std::chrono::seconds{1});
    if (*value > std::chrono::hours{1}) {
      map.fail(key, "must be at most 1h; terminals take 1 to 3600 seconds");
    }
  }
  push.offline_after =
      map.getAtLeast("offline_after", push.offline_after, std::chrono::milliseconds{1000});
  if (push.offline_after <= push.delay) {
    map.fail("offline_after",
             "must be longer than delay, or terminals between two polls count as offline");
  }
  push.command_timeout =
      map.getAtLeast("command_timeout", push.command_timeout, std::chrono::milliseconds{1000});
  push.command_attempts = map.getInRange("command_attempts", push.command_attempts, 1, 100);
  push.max_body = map.get("max_body", config::ByteSize{push.max_body}).bytes;
  if (push.max_body < 64 * 1024) {
    map.fail("max_body", "must be at least 64KiB; template and OPERLOG uploads are large");
  }
}

void readDevice(YamlMap& map, DeviceConfig& device) {
  device.name = map.required<std::string>("name");
  if (map.oneOf("protocol", "zk", {"zk", "push"}) == "push") {
    device.protocol = DeviceProtocol::Push;
    readPushDevice(map, device);
    return;
  }
  device.host = map.required<std::string>("host");
  device.port = map.getInRange<std::uint16_t>("port", 4370, 1, 65535);
  device.transport = map.oneOf("transport", "tcp", {"tcp", "udp"});
  device.comm_key = map.getInRange<std::uint32_t>("comm_key", 0, 0, 999'999);
  readTimeZone(map, "time_zone", device.time_zone);
  device.mode = map.oneOf("mode", "realtime", {"realtime", "poll"}) == "poll"
                    ? DeviceMode::Poll
                    : DeviceMode::Realtime;
  device.poll_interval =
      map.getAtLeast("poll_interval", device.poll_interval, std::chrono::milliseconds{1000});
  device.resync_interval =
      map.getAtLeast("resync_interval", device.resync_interval, std::chrono::milliseconds{60'000});
  device.timeout = map.getAtLeast("timeout", device.timeout, std::chrono::milliseconds{100});
}

AgentConfig readConfig(YamlMap& root) {
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
  root.optionalSection("push", [&](YamlMap& map) { readPush(map, config.push); });
  std::set<std::string> names;
  std::set<std::string> serials;
  if (root.has("devices") && !root.hasNonEmptyList("devices")) {
    root.fail("devices", "lists no terminal; add at least one (name, host)");
  }
  root.eachItem(
      "devices",
      [&](YamlMap& map, std::size_t) {
        DeviceConfig device;
        readDevice(map, device);
        if (!names.insert(device.name).second) {
          map.fail("name", "\"" + device.name + "\" is used by another device; names are unique");
        }
        if (!device.serial.empty() && !serials.insert(device.serial).second) {
          map.fail("serial", "\"" + device.serial + "\" is listed twice; serials are unique");
        }
        config.devices.push_back(std::move(device));
      },
      true);
  return config;
}

}  // namespace

TimeZone deviceZone(const DeviceConfig& device) {
  auto zone = TimeZone::find(device.time_zone);
  return zone ? zone.value() : TimeZone::find("UTC").value();
}

bool AgentConfig::servesPush() const {
  return push.accept_unknown ||
         std::any_of(devices.begin(), devices.end(), [](const DeviceConfig& device) {
           return device.protocol == DeviceProtocol::Push;
         });
}

Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc) {
  return config::parseYamlConfig(doc, readConfig);
}

Result<AgentConfig> loadAgentConfig(const std::string& path) {
  auto doc = config::YamlDocument::loadFile(path);
  if (!doc) {
    return doc.error();
  }
  return parseAgentConfig(*doc);
}

std::string describeAgentConfig(const AgentConfig& config) {
  // Strings are printed as JSON strings, which YAML reads back unchanged.
  const auto q = [](const std::string& value) { return nlohmann::json(value).dump(); };
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
      << "push:\n"
      << "  listen: " << q(config.push.listen) << "\n"
      << "  accept_unknown: " << (config.push.accept_unknown ? "true" : "false") << "\n"
      << "  unknown_time_zone: " << q(config.push.unknown_time_zone) << "\n"
      << "  delay: " << formatDuration(config.push.delay) << "\n"
      << "  error_delay: " << formatDuration(config.push.error_delay) << "\n"
      << "  offline_after: " << formatDuration(config.push.offline_after) << "\n"
      << "  command_timeout: " << formatDuration(config.push.command_timeout) << "\n"
      << "  command_attempts: " << config.push.command_attempts << "\n"
      << "  max_body: " << formatByteSize(config.push.max_body) << "\n"
      << "devices:\n";
  for (const auto& device : config.devices) {
    if (device.protocol == DeviceProtocol::Push) {
      out << "  - name: " << q(device.name) << "\n"
          << "    protocol: push\n"
          << "    serial: " << q(device.serial) << "\n"
          << "    host: " << q(device.host) << "\n"
          << "    time_zone: " << q(device.time_zone) << "\n";
      continue;
    }
    out << "  - name: " << q(device.name) << "\n"
        << "    host: " << q(device.host) << "\n"
        << "    port: " << device.port << "\n"
        << "    transport: " << device.transport << "\n"
        << "    comm_key: " << (device.comm_key == 0 ? "0" : "\"<redacted>\"") << "\n"
        << "    time_zone: " << q(device.time_zone) << "\n"
        << "    mode: " << (device.mode == DeviceMode::Poll ? "poll" : "realtime") << "\n"
        << "    poll_interval: " << formatDuration(device.poll_interval) << "\n"
        << "    resync_interval: " << formatDuration(device.resync_interval) << "\n"
        << "    timeout: " << formatDuration(device.timeout) << "\n";
  }
  return out.str();
}

}  // namespace punchlink::agent
