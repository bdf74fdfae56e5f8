// Turns a punch read from a terminal (device-local time) into the outbox row published to the
// relay: UTC timestamp, deterministic event id, names for type and method. Pure.
#pragma once

#include "outbox/outbox.hpp"

#include <punchlink/common/time_zone.hpp>

#include <cstdint>
#include <optional>
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
  // The agent's clock when the punch was read: a punch stamped more than a day after it is
  // flagged (clock_suspect). Unset: not checked.
  std::optional<UtcSeconds> agent_now{};
  std::optional<double> temperature{};  // °C
  std::optional<bool> mask_detected{};
};

// Whether the terminal's clock cannot have been right when it stamped `local`: in 2000 or before
// (a reset clock counts from 2000-01-01),
// more than a day ahead of `agent_now`, or in a daylight-saving gap of `zone` (a wall-clock time
// that never happened there).
bool isClockSuspect(LocalSeconds local, const TimeZone& zone, std::optional<UtcSeconds> agent_now);

// The punch is kept either way; a suspect one carries flags: ["clock_suspect"].
OutboxPunch toOutboxPunch(const DevicePunch& punch, const TimeZone& zone);

}  // namespace punchlink::agent
