// What a webhook endpoint's fields may hold (event types, lengths), so the REST API and the admin
// commands accept the same endpoints.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace punchlink::relay::webhooks {

inline constexpr std::size_t kMaxUrlLength = 2048;
inline constexpr std::size_t kMaxDescriptionLength = 500;

inline constexpr std::array<std::string_view, 6> kEventTypes = {
    "attendance.punch", "device.online",     "device.offline",
    "user.enrolled",    "command.succeeded", "command.failed"};

inline bool isEventType(std::string_view name) {
  return std::find(kEventTypes.begin(), kEventTypes.end(), name) != kEventTypes.end();
}

// "attendance.punch, device.online, …": for error messages that say what is accepted.
inline std::string eventTypeList() {
  std::string names;
  for (const auto type : kEventTypes) {
    names += (names.empty() ? "" : ", ") + std::string(type);
  }
  return names;
}

}  // namespace punchlink::relay::webhooks
