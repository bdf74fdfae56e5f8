#include "events/event_catalogue.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/contract/device_event.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace punchlink::relay::events {

namespace {

using contract::DeviceEventType;
using contract::deviceEventTypeName;

// The one place an event type's name is written (a lint test checks that no other source file
// spells one); the types a terminal reports take theirs from the MQTT contract, which carries
// them from the agent.
const std::array<EventTypeInfo, 16> kCatalogue = {{
    {EventType::AttendancePunch, "attendance.punch", "a punch is stored for the first time"},
    {EventType::DeviceOnline, "device.online", "a terminal's reported state turns online"},
    {EventType::DeviceOffline, "device.offline",
     "a terminal's reported state turns offline, or its site's agent goes away"},
    {EventType::DeviceClockDrift, deviceEventTypeName(DeviceEventType::ClockDrift),
     "a terminal's clock is off by more than its sync_time threshold"},
    {EventType::DeviceRecordsMissing, "device.records_missing",
     "a terminal holds records the relay has not received, for longer than a status interval"},
    {EventType::DoorUnlocked, deviceEventTypeName(DeviceEventType::DoorUnlocked),
     "a terminal released its door lock"},
    {EventType::DoorOpened, deviceEventTypeName(DeviceEventType::DoorOpened),
     "a door sensor reports the door open"},
    {EventType::DoorClosed, deviceEventTypeName(DeviceEventType::DoorClosed),
     "a door sensor reports the door closed"},
    {EventType::AlarmTamper, deviceEventTypeName(DeviceEventType::AlarmTamper),
     "a terminal was opened or taken off the wall"},
    {EventType::AlarmDuress, deviceEventTypeName(DeviceEventType::AlarmDuress),
     "a user verified with a duress finger or password"},
    {EventType::AlarmExitButton, deviceEventTypeName(DeviceEventType::AlarmExitButton),
     "the exit button was pressed"},
    {EventType::AccessDenied, deviceEventTypeName(DeviceEventType::AccessDenied),
     "a verification failed: the terminal did not recognise the person"},
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

namespace {

using nlohmann::ordered_json;

// The head every body starts with, in this order.
ordered_json head(EventType type, const std::string& id, std::string_view timestamp) {
  return {{"event", eventTypeName(type)}, {"event_id", id}, {"timestamp", timestamp}};
}

ordered_json deviceJson(const DeviceRef& device) {
  ordered_json out = {{"id", device.id}};
  if (!device.name.empty()) {
    out["name"] = device.name;
  }
  if (!device.location.empty()) {
    out["location"] = device.location;
  }
  return out;
}

ordered_json userJson(const std::string& id, const std::string& name) {
  ordered_json out = {{"id", id}};
  if (!name.empty()) {
    out["name"] = name;
  }
  return out;
}

// A temperature as JSON.stringify writes it: one decimal, and no ".0" (nlohmann writes 36.0 for
// the double, JavaScript 36), so that a receiver re-serialising the body gets the same bytes.
ordered_json temperatureJson(double celsius) {
  const double tenths = std::round(celsius * 10.0);
  if (std::fmod(tenths, 10.0) == 0.0) {
    return static_cast<std::int64_t>(tenths / 10.0);
  }
  return tenths / 10.0;
}

Event finish(EventType type, std::string id, const ordered_json& body) {
  // Names come from terminals and tenants: bytes that are not UTF-8 become U+FFFD rather than
  // making the dump throw.
  return {type, std::move(id), body.dump(-1, ' ', false, ordered_json::error_handler_t::replace)};
}

}  // namespace

std::string derivedEventId(std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (const auto part : parts) {
    joined.append(part).push_back('|');
  }
  return "evt_" + crypto::toHex(crypto::sha256(joined)).substr(0, 24);
}

Event attendancePunch(const PunchFacts& punch) {
  ordered_json detail = ordered_json::object();
  if (!punch.punch_type.empty()) {
    detail["type"] = punch.punch_type;
  }
  if (!punch.method.empty()) {
    detail["method"] = punch.method;
  }
  detail["timestamp"] = punch.timestamp;
  if (punch.temperature) {
    detail["temperature"] = temperatureJson(*punch.temperature);
  }
  if (punch.mask_detected) {
    detail["mask_detected"] = *punch.mask_detected;
  }
  if (!punch.flags.empty()) {
    detail["flags"] = punch.flags;
  }
  ordered_json body = head(EventType::AttendancePunch, punch.event_id, punch.timestamp);
  body["device"] = deviceJson(punch.device);
  body["user"] = userJson(punch.user.id, punch.user.name);
  body["punch"] = std::move(detail);
  return finish(EventType::AttendancePunch, punch.event_id, body);
}

Event deviceStatusChanged(bool online, const DeviceRef& device, UtcSeconds at) {
  const EventType type = online ? EventType::DeviceOnline : EventType::DeviceOffline;
  const std::string timestamp = formatRfc3339(at);
  std::string id = derivedEventId({eventTypeName(type), device.id, timestamp});
  ordered_json body = head(type, id, timestamp);
  body["device"] = deviceJson(device);
  return finish(type, std::move(id), body);
}

Event commandFinished(const CommandFacts& command) {
  const EventType type = command.succeeded ? EventType::CommandSucceeded : EventType::CommandFailed;
  std::string id = derivedEventId({eventTypeName(type), command.id});
  ordered_json detail = {{"id", command.id},
                         {"type", command.type},
                         {"device_id", command.device_id},
                         {"status", command.succeeded ? "succeeded" : "failed"}};
  if (!command.user_id.empty()) {
    detail["user_id"] = command.user_id;
  }
  if (!command.error.empty()) {
    detail["error"] = command.error;
  }
  ordered_json body = head(type, id, command.updated_at);
  body["command"] = std::move(detail);
  return finish(type, std::move(id), body);
}

Event userEnrolled(const CommandFacts& command) {
  std::string id = derivedEventId({eventTypeName(EventType::UserEnrolled), command.id});
  ordered_json body = head(EventType::UserEnrolled, id, command.updated_at);
  body["device"] = {{"id", command.device_id}};
  body["user"] = userJson(command.user_id, command.user_name);
  body["command_id"] = command.id;
  return finish(EventType::UserEnrolled, std::move(id), body);
}

std::optional<EventType> eventTypeOf(contract::DeviceEventType type) noexcept {
  return eventTypeNamed(contract::deviceEventTypeName(type));
}

namespace {

// The section a device event's details go under: its family ("door", "alarm", "access"), or
// "clock" for device.clock_drift.
std::string sectionOf(EventType type) {
  if (type == EventType::DeviceClockDrift) {
    return "clock";
  }
  const std::string_view name = eventTypeName(type);
  return std::string(name.substr(0, name.find('.')));
}

}  // namespace

Event deviceEvent(const DeviceEventFacts& event) {
  ordered_json body = head(event.type, event.event_id, event.timestamp);
  body["device"] = deviceJson(event.device);
  if (!event.user.id.empty()) {
    body["user"] = userJson(event.user.id, event.user.name);
  }
  ordered_json detail = ordered_json::object();
  if (event.type == EventType::DeviceClockDrift) {
    detail["device_time"] = event.device_time;
    detail["drift_s"] = event.drift_s.value_or(0);
    detail["corrected"] = event.corrected;
  } else {
    if (event.door) {
      detail["door"] = *event.door;
    }
    detail["local_time"] = event.local_time;
    detail["code"] = event.code;
  }
  if (!event.source.empty()) {
    detail["source"] = event.source;
  }
  body[sectionOf(event.type)] = std::move(detail);
  return finish(event.type, event.event_id, body);
}

Event recordsMissing(const DeviceRef& device, const ReconciliationFacts& facts) {
  std::string id =
      derivedEventId({eventTypeName(EventType::DeviceRecordsMissing), device.id, facts.gap_since});
  ordered_json body = head(EventType::DeviceRecordsMissing, id, facts.checked_at);
  body["device"] = deviceJson(device);
  body["reconciliation"] = {{"terminal_records", facts.terminal_records},
                            {"relay_records", facts.relay_records},
                            {"missing", facts.missing},
                            {"since", facts.gap_since},
                            {"checked_at", facts.checked_at}};
  return finish(EventType::DeviceRecordsMissing, std::move(id), body);
}

Event endpointDisabled(std::string_view endpoint_id,
                       std::string_view url,
                       std::string_view reason,
                       UtcMillis at) {
  const std::string timestamp = formatRfc3339Millis(at);
  std::string id =
      derivedEventId({eventTypeName(EventType::EndpointDisabled), endpoint_id, timestamp});
  ordered_json body = head(EventType::EndpointDisabled, id, timestamp);
  body["endpoint"] = {{"id", endpoint_id}, {"url", url}, {"reason", reason}};
  return finish(EventType::EndpointDisabled, std::move(id), body);
}

}  // namespace punchlink::relay::events
