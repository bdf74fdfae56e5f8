#include "json_fields.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/contract/device_event.hpp>

#include <array>
#include <utility>

namespace punchlink::contract {

namespace {

using nlohmann::ordered_json;

constexpr std::array<std::pair<DeviceEventType, std::string_view>, 8> kNames = {{
    {DeviceEventType::DoorUnlocked, "door.unlocked"},
    {DeviceEventType::DoorOpened, "door.opened"},
    {DeviceEventType::DoorClosed, "door.closed"},
    {DeviceEventType::AlarmTamper, "alarm.tamper"},
    {DeviceEventType::AlarmDuress, "alarm.duress"},
    {DeviceEventType::AlarmExitButton, "alarm.exit_button"},
    {DeviceEventType::AccessDenied, "access.denied"},
    {DeviceEventType::ClockDrift, "device.clock_drift"},
}};

constexpr std::array<DeviceEventType, kNames.size()> kOrder = [] {
  std::array<DeviceEventType, kNames.size()> order{};
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    order[i] = kNames[i].first;
  }
  return order;
}();

}  // namespace

std::string_view deviceEventTypeName(DeviceEventType type) noexcept {
  for (const auto& [value, name] : kNames) {
    if (value == type) {
      return name;
    }
  }
  return {};
}

std::optional<DeviceEventType> deviceEventTypeNamed(std::string_view name) noexcept {
  for (const auto& [value, text] : kNames) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::span<const DeviceEventType> deviceEventTypes() noexcept { return kOrder; }

std::string makeDeviceEventId(std::string_view type_name,
                              std::string_view device_serial,
                              std::string_view local_time,
                              std::int64_t code,
                              std::optional<std::int64_t> door,
                              std::string_view user_id) {
  // "device-event|" keeps these ids apart from punch ids, whose key is serial|user|time.
  std::string key = "device-event|";
  key += type_name;
  key += '|';
  key += device_serial;
  key += '|';
  key += local_time;
  key += '|' + std::to_string(code) + '|' + (door ? std::to_string(*door) : std::string()) + '|';
  key += user_id;
  const auto digest = crypto::sha256(key);
  return "evt_" + crypto::toHex(std::span(digest).first(12));
}

std::string deviceEventIdOf(const DeviceEvent& event) {
  return makeDeviceEventId(deviceEventTypeName(event.type), event.device_serial, event.local_time,
                           event.code, event.door, event.user_id);
}

std::string encodeDeviceEvent(const DeviceEvent& event) {
  ordered_json out = {
      {"event_id", event.event_id},           {"type", deviceEventTypeName(event.type)},
      {"device_serial", event.device_serial}, {"device_name", event.device_name},
      {"timestamp", event.timestamp},         {"local_time", event.local_time},
      {"time_zone", event.time_zone}};
  if (!event.user_id.empty()) {
    out["user_id"] = event.user_id;
  }
  out["code"] = event.code;
  if (event.door) {
    out["door"] = *event.door;
  }
  out["source"] = event.source;
  if (event.drift_s) {
    out["drift_s"] = *event.drift_s;
    out["device_time"] = event.device_time;
    out["corrected"] = event.corrected;
  }
  return detail::dumpCompact(out);
}

}  // namespace punchlink::contract
