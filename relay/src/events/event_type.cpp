#include "events/event_type.hpp"

#include <algorithm>

namespace punchlink::relay::events {

namespace {

// The one place an event type's name is written (a lint test checks that no other source file
// spells one).
constexpr std::array<EventTypeInfo, 7> kCatalogue = {{
    {EventType::AttendancePunch, "attendance.punch", "a punch is stored for the first time"},
    {EventType::DeviceOnline, "device.online", "a terminal's reported state turns online"},
    {EventType::DeviceOffline, "device.offline",
     "a terminal's reported state turns offline, or its site's agent goes away"},
    {EventType::UserEnrolled, "user.enrolled", "an enroll_user command succeeded"},
    {EventType::CommandSucceeded, "command.succeeded", "a command sent to a terminal succeeded"},
    {EventType::CommandFailed, "command.failed", "a command sent to a terminal failed"},
    {EventType::EndpointDisabled, "endpoint.disabled",
     "the relay disabled a webhook endpoint (410 Gone, or failing too long)"},
}};

}  // namespace

std::span<const EventTypeInfo> eventCatalogue() noexcept { return kCatalogue; }

std::string_view eventTypeName(EventType type) noexcept {
  const auto* found = std::find_if(kCatalogue.begin(), kCatalogue.end(),
                                   [type](const EventTypeInfo& info) { return info.type == type; });
  return found == kCatalogue.end() ? std::string_view() : found->name;
}

std::string eventTypeList() {
  std::string names;
  for (const auto& info : kCatalogue) {
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  }
  return names;
}

std::optional<EventType> eventTypeNamed(std::string_view name) noexcept {
  const auto* found = std::find_if(kCatalogue.begin(), kCatalogue.end(),
                                   [name](const EventTypeInfo& info) { return info.name == name; });
  return found == kCatalogue.end() ? std::nullopt : std::optional<EventType>(found->type);
}

}  // namespace punchlink::relay::events
