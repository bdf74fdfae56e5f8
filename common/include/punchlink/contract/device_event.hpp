// A terminal's own events that are not punches (docs/mqtt-contract.md "device events"): doors,
// alarms, denied access, and the agent's clock checks. They travel in punch batches ("events")
// and live in the agent's outbox like punches, until the relay acknowledges them. Pure.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace punchlink::contract {

enum class DeviceEventType {
  DoorUnlocked,     // the lock was released (by a verified user, a button, a command)
  DoorOpened,       // the door sensor reports open
  DoorClosed,       // the door sensor reports closed
  AlarmTamper,      // the terminal was opened or taken off the wall
  AlarmDuress,      // a user verified with a duress finger or PIN
  AlarmExitButton,  // the exit button was pressed
  AccessDenied,     // a verification failed (user unknown)
  ClockDrift,       // the terminal's clock is off by more than its policy allows
};

// The webhook event type names of these events (the relay's event catalogue uses these).
std::string_view deviceEventTypeName(DeviceEventType type) noexcept;
std::optional<DeviceEventType> deviceEventTypeNamed(std::string_view name) noexcept;
std::span<const DeviceEventType> deviceEventTypes() noexcept;

struct DeviceEvent {
  std::string event_id;  // makeDeviceEventId(...)
  DeviceEventType type = DeviceEventType::DoorUnlocked;
  std::string device_serial;
  std::string device_name;
  std::string timestamp;   // RFC 3339 UTC to the second
  std::string local_time;  // the terminal's wall clock, YYYY-MM-DD HH:MM:SS
  std::string time_zone;
  std::string user_id;               // empty when the terminal does not say who
  std::int64_t code = 0;             // the terminal's own event or alarm code, as reported
  std::optional<std::int64_t> door;  // door number on multi-door controllers
  std::string source;                // realtime | push | clock
  // device.clock_drift: how far the terminal's clock was off (terminal minus agent, seconds),
  // what it read, and whether the agent set it right (policy auto).
  std::optional<std::int64_t> drift_s;
  std::string device_time;
  bool corrected = false;

  friend bool operator==(const DeviceEvent&, const DeviceEvent&) = default;
};

// "evt_" + 24 hex digits of SHA-256 over the type, serial, local time, code, door and user: the
// same event read twice (a retried upload, a restart) gets the same id, and never a punch's.
std::string makeDeviceEventId(std::string_view type_name,
                              std::string_view device_serial,
                              std::string_view local_time,
                              std::int64_t code,
                              std::optional<std::int64_t> door,
                              std::string_view user_id);

// The id of `event` as makeDeviceEventId derives it from its fields.
std::string deviceEventIdOf(const DeviceEvent& event);

// Compact JSON, keys in the documented order; absent optional fields are left out.
std::string encodeDeviceEvent(const DeviceEvent& event);

}  // namespace punchlink::contract
