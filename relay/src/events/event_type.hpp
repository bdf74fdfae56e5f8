// The event catalogue: every event type the relay emits, written once. The REST API validates
// subscriptions against it, tests check docs/webhooks.md and docs/openapi.json against it, and
// the body builders (event_bodies.hpp) name their type through it.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace punchlink::relay::events {

enum class EventType {
  AttendancePunch,
  DeviceOnline,
  DeviceOffline,
  UserEnrolled,
  CommandSucceeded,
  CommandFailed,
  EndpointDisabled,
};

struct EventTypeInfo {
  EventType type;
  std::string_view name;  // as bodies, headers and subscriptions spell it
  std::string_view when;  // one line for docs and error messages
};

// Every type, in the order the docs and the OpenAPI enum list them.
std::span<const EventTypeInfo> eventCatalogue() noexcept;

std::string_view eventTypeName(EventType type) noexcept;

// "attendance.punch, device.online, …": for messages that say what is accepted.
std::string eventTypeList();

// The type with this name, or nullopt for a name not in the catalogue.
std::optional<EventType> eventTypeNamed(std::string_view name) noexcept;

}  // namespace punchlink::relay::events
