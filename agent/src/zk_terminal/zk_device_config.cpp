#include "zk_device_config.hpp"

#include <punchlink/common/units.hpp>

namespace punchlink::agent::zk_terminal {

ZkDeviceConfig parseZkDevice(config::YamlMap& map) {
  ZkDeviceConfig device;
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
  return device;
}

void ZkDeviceConfig::describe(std::ostream& out) const {
  const auto q = yamlQuoted;
  out << "    host: " << q(host) << "\n"
      << "    port: " << port << "\n"
      << "    transport: " << transport << "\n"
      << "    comm_key: " << (comm_key == 0 ? "0" : "\"<redacted>\"") << "\n"
      << "    time_zone: " << q(time_zone) << "\n"
      << "    mode: " << (mode == DeviceMode::Poll ? "poll" : "realtime") << "\n"
      << "    poll_interval: " << formatDuration(poll_interval) << "\n"
      << "    resync_interval: " << formatDuration(resync_interval) << "\n"
      << "    timeout: " << formatDuration(timeout) << "\n";
}

}  // namespace punchlink::agent::zk_terminal
