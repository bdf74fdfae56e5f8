// The event catalogue: every event type the relay emits, written once, with one builder per type
// returning the exact body bytes that are stored, signed and delivered. The REST API validates
// subscriptions against it and tests check docs/webhooks.md and docs/openapi.json against it.
// Bodies are compact JSON with the keys in the order DESIGN.md gives ("event", "event_id",
// "timestamp", then the detail), optional fields omitted when unknown, so that
// JSON.stringify(JSON.parse(body)) === body. Pure: no clock, no store.
//
// A new event type: its enumerator and builder here, its catalogue row and builder in
// event_catalogue.cpp, and the line of the service that records it.
#pragma once

#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/device_event.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::relay::events {

enum class EventType {
  AttendancePunch,
  DeviceOnline,
  DeviceOffline,
  DeviceClockDrift,
  DeviceRecordsMissing,
  DoorUnlocked,
  DoorOpened,
  DoorClosed,
  AlarmTamper,
  AlarmDuress,
  AlarmExitButton,
  AccessDenied,
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

// An event ready to be recorded and delivered.
struct Event {
  EventType type = EventType::AttendancePunch;
  std::string id;    // "evt_…"
  std::string body;  // the exact bytes
};

// A terminal as bodies name it; `name` and `location` are left out when empty.
struct DeviceRef {
  std::string id;  // the serial
  std::string name;
  std::string location;
};

struct UserRef {
  std::string id;
  std::string name;  // left out when empty
};

struct PunchFacts {
  std::string event_id;   // the punch's own deterministic id
  std::string timestamp;  // RFC 3339 UTC, seconds
  DeviceRef device;
  UserRef user;
  std::string punch_type;               // CheckIn…; left out when empty
  std::string method;                   // Fingerprint…; left out when empty
  std::optional<double> temperature{};  // °C; left out when unknown
  std::optional<bool> mask_detected{};  // left out when unknown
  std::vector<std::string> flags{};     // left out when empty
};

// A command that reached a final state (succeeded or failed).
struct CommandFacts {
  std::string id;  // "cmd_…"
  std::string type;
  std::string device_id;
  bool succeeded = false;
  std::string user_id;     // left out when empty
  std::string user_name;   // user.enrolled only; left out when empty
  std::string error;       // left out when empty
  std::string updated_at;  // RFC 3339: when it finished
};

// "evt_" + 24 hex digits of SHA-256 over the parts: stable ids for events that are not punches,
// so a replayed status message or command result never makes a second event.
std::string derivedEventId(std::initializer_list<std::string_view> parts);

Event attendancePunch(const PunchFacts& punch);

// device.online or device.offline at `at` (to the second).
Event deviceStatusChanged(bool online, const DeviceRef& device, UtcSeconds at);

// command.succeeded or command.failed.
Event commandFinished(const CommandFacts& command);

// user.enrolled for a succeeded enroll_user command.
Event userEnrolled(const CommandFacts& command);

// The catalogue's type for an event a terminal reports (every contract type has one).
std::optional<EventType> eventTypeOf(contract::DeviceEventType type) noexcept;

// A terminal's door, alarm, denied-access or clock event, as the agent reported it.
struct DeviceEventFacts {
  EventType type = EventType::DoorUnlocked;
  std::string event_id;   // the agent's deterministic id
  std::string timestamp;  // RFC 3339 UTC
  DeviceRef device;
  UserRef user;  // left out when the id is empty
  std::string local_time;
  std::int64_t code = 0;
  std::optional<std::int64_t> door;
  std::string source;  // left out when empty
  // device.clock_drift
  std::optional<std::int64_t> drift_s;
  std::string device_time;
  bool corrected = false;
};

// Under "door", "alarm" or "access" (the type's family) or, for device.clock_drift, "clock".
Event deviceEvent(const DeviceEventFacts& event);

// What the relay holds of a terminal's records against what it says it holds.
struct ReconciliationFacts {
  std::int64_t terminal_records = 0;
  std::int64_t relay_records = 0;
  std::int64_t missing = 0;
  std::string gap_since;   // RFC 3339: when the gap was first seen (one event per gap)
  std::string checked_at;  // RFC 3339
};

Event recordsMissing(const DeviceRef& device, const ReconciliationFacts& facts);

Event endpointDisabled(std::string_view endpoint_id,
                       std::string_view url,
                       std::string_view reason,
                       UtcMillis at);

}  // namespace punchlink::relay::events
