// A ZK binary terminal's entry in `devices` (docs/agent-config.md#devices): where the agent
// connects, how it authenticates, and how punches are collected.
#pragma once

#include "terminals/terminal_config.hpp"

#include <punchlink/common/yaml_read.hpp>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace punchlink::agent::zk_terminal {

enum class DeviceMode { Realtime, Poll };

struct ZkDeviceConfig final : DeviceSettings {
  std::string host;
  std::uint16_t port = 4370;
  std::string transport = "tcp";
  std::uint32_t comm_key = 0;
  std::string time_zone = "UTC";
  DeviceMode mode = DeviceMode::Realtime;
  std::chrono::milliseconds poll_interval{60'000};
  std::chrono::milliseconds resync_interval{std::chrono::hours{1}};
  std::chrono::milliseconds timeout{5'000};

  // DeviceSettings
  void describe(std::ostream& out) const override;
};

// Reads the ZK keys of one device; errors are located through map.fail().
ZkDeviceConfig parseZkDevice(config::YamlMap& map);

}  // namespace punchlink::agent::zk_terminal
