#include "push_config.hpp"

#include "push/push_protocol.hpp"

#include <punchlink/common/adms/adms_codec.hpp>
#include <punchlink/common/units.hpp>

#include <Poco/Net/IPAddress.h>

#include <algorithm>

namespace punchlink::agent {

namespace {

// Terminals take the key from their menu; letters and digits travel in a query string as they
// are, so what the agent compares is what the terminal typed.
bool isValidCommKey(const std::string& key) {
  return key.size() <= kMaxPushCommKeyLength && std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
         });
}

}  // namespace

PushConfig parsePushSection(config::YamlMap& map) {
  PushConfig push;
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
  return push;
}

PushDeviceConfig parsePushDevice(config::YamlMap& map) {
  PushDeviceConfig device;
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
  device.pin_address = map.get("pin_address", device.pin_address);
  if (!device.host.empty() && !device.pin_address) {
    map.fail("pin_address",
             "host already fixes the address this serial may call from; leave out host to let "
             "the terminal call from any address, or leave out pin_address");
  }
  device.comm_key = map.get<std::string>("comm_key", "");
  if (!device.comm_key.empty() && !isValidCommKey(device.comm_key)) {
    map.fail("comm_key",
             "must be the terminal's communication key (PushComKey): 1-" +
                 std::to_string(kMaxPushCommKeyLength) +
                 " letters and digits, as set on the terminal; leave it out if the terminal "
                 "sends none");
  }
  readTimeZone(map, "time_zone", device.time_zone);
  return device;
}

void PushConfig::describe(std::ostream& out) const {
  const auto q = yamlQuoted;
  out << "  listen: " << q(listen) << "\n"
      << "  accept_unknown: " << (accept_unknown ? "true" : "false") << "\n"
      << "  unknown_time_zone: " << q(unknown_time_zone) << "\n"
      << "  delay: " << formatDuration(delay) << "\n"
      << "  error_delay: " << formatDuration(error_delay) << "\n"
      << "  offline_after: " << formatDuration(offline_after) << "\n"
      << "  command_timeout: " << formatDuration(command_timeout) << "\n"
      << "  command_attempts: " << command_attempts << "\n"
      << "  max_body: " << formatByteSize(max_body) << "\n";
}

void PushDeviceConfig::describe(std::ostream& out) const {
  const auto q = yamlQuoted;
  out << "    serial: " << q(serial) << "\n"
      << "    host: " << q(host) << "\n"
      << "    pin_address: " << (pin_address ? "true" : "false") << "\n"
      << "    comm_key: " << (comm_key.empty() ? "\"\"" : "\"<redacted>\"") << "\n"
      << "    time_zone: " << q(time_zone) << "\n";
}

const PushConfig& pushConfig(const TerminalSetup& setup) {
  static const PushConfig kDefaults;
  const auto* section = setup.section<PushConfig>(kPushProtocolName);
  return section != nullptr ? *section : kDefaults;
}

bool servesPush(const TerminalSetup& setup) {
  return pushConfig(setup).accept_unknown ||
         std::any_of(setup.devices.begin(), setup.devices.end(), [](const DeviceConfig& device) {
           return device.protocol == kPushProtocolName;
         });
}

}  // namespace punchlink::agent
