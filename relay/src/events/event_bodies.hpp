// Webhook event bodies, one builder per event type, each returning the exact bytes that are
// stored, signed and delivered: compact JSON with the keys in the order DESIGN.md gives
// ("event", "event_id", "timestamp", then the detail), optional fields omitted when unknown, so
// that JSON.stringify(JSON.parse(body)) === body. Pure: no clock, no store.
#pragma once

#include "events/event_type.hpp"

#include <punchlink/common/utc_time.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

namespace punchlink::relay::events {

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
  std::string punch_type;  // CheckIn…; left out when empty
  std::string method;      // Fingerprint…; left out when empty
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

Event endpointDisabled(std::string_view endpoint_id,
                       std::string_view url,
                       std::string_view reason,
                       UtcMillis at);

}  // namespace punchlink::relay::events
