// Turns an event a terminal reported (device-local time) into the outbox row published to the
// relay, as toOutboxPunch does for punches: UTC timestamp, deterministic event id. Pure.
#pragma once

#include "outbox/outbox.hpp"

#include <punchlink/common/time_zone.hpp>
#include <punchlink/contract/device_event.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace punchlink::agent {

struct TerminalEvent {
  contract::DeviceEventType type = contract::DeviceEventType::DoorUnlocked;
  std::string device_serial;
  std::string device_name;
  LocalSeconds local_time{};
  std::string user_id;
  std::int64_t code = 0;
  std::optional<std::int64_t> door;
  std::string source;  // realtime | push | clock
  // device.clock_drift
  std::optional<std::int64_t> drift_s;
  std::string device_time;
  bool corrected = false;
};

OutboxPunch toOutboxEvent(const TerminalEvent& event, const TimeZone& zone);

}  // namespace punchlink::agent
