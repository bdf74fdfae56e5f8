// Event ids for punches that tests publish as an agent would: derived from serial, user and local
// time exactly as the agent derives them, since the relay recomputes and checks them.
#pragma once

#include <punchlink/common/event_id.hpp>
#include <punchlink/common/time_zone.hpp>

#include <stdexcept>
#include <string>

namespace punchlink::testing {

// `local_time` as "YYYY-MM-DD HH:MM:SS".
inline std::string punchEventId(const std::string& serial,
                                const std::string& user_id,
                                const std::string& local_time) {
  const auto local = parseLocalTime(local_time);
  if (!local) {
    throw std::invalid_argument("not a local time: " + local_time);
  }
  return makeEventId(serial, user_id, *local);
}

// The n-th second after 2026-03-27 08:00:00 as a local time: distinct times for distinct punches.
inline std::string nthLocalTime(int n) {
  return formatLocalTime(*parseLocalTime("2026-03-27 08:00:00") + std::chrono::seconds{n});
}

}  // namespace punchlink::testing
