// Turns a punch read from a terminal (device-local time) into the outbox row published to the
// relay: UTC timestamp, deterministic event id, names for type and method. Pure.
#pragma once

#include "outbox/outbox.hpp"

#include <punchlink/common/time_zone.hpp>

#include <cstdint>
#include <string>

namespace punchlink::agent {

struct DevicePunch {
  std::string device_serial;
  std::string device_name;
  std::string user_id;
  LocalSeconds local_time{};
  int state = 0;
  int verify = 0;
  std::uint32_t workcode = 0;
  std::string source;  // "realtime", "log" or "push"
};

OutboxPunch toOutboxPunch(const DevicePunch& punch, const TimeZone& zone);

}  // namespace punchlink::agent
