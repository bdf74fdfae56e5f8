#include "push/push_events.hpp"

#include <punchlink/common/text.hpp>

namespace punchlink::agent {

namespace {

using contract::DeviceEventType;

TerminalEvent make(DeviceEventType type,
                   const std::string& serial,
                   const std::string& name,
                   LocalSeconds time,
                   std::int64_t code) {
  TerminalEvent event;
  event.type = type;
  event.device_serial = serial;
  event.device_name = name;
  event.local_time = time;
  event.code = code;
  event.source = "push";
  return event;
}

std::optional<int> number(const std::vector<std::string>& objects, std::size_t index) {
  if (index >= objects.size()) {
    return std::nullopt;
  }
  const auto value = parseInteger(objects[index], false);
  return value && *value <= 65535 ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

// A PIN object: "0" and empty mean nobody.
std::string person(const std::vector<std::string>& objects, std::size_t index) {
  if (index >= objects.size() || objects[index].empty() || objects[index] == "0") {
    return {};
  }
  return objects[index];
}

}  // namespace

std::optional<TerminalEvent> eventOfOperation(const adms::OpLogEntry& entry,
                                              const std::string& serial,
                                              const std::string& name) {
  switch (entry.op) {
    case oplog::kVerifyFailed:
      return make(DeviceEventType::AccessDenied, serial, name, entry.time, entry.op);
    case oplog::kUnlock: {
      TerminalEvent event = make(DeviceEventType::DoorUnlocked, serial, name, entry.time, entry.op);
      event.user_id = person(entry.objects, 0);
      return event;
    }
    case oplog::kDuress: {
      TerminalEvent event = make(DeviceEventType::AlarmDuress, serial, name, entry.time, entry.op);
      event.user_id = person(entry.objects, 0);
      return event;
    }
    case oplog::kAlarm:
      break;
    default:
      return std::nullopt;
  }
  const auto object = number(entry.objects, 0);
  if (!object) {
    return std::nullopt;
  }
  switch (*object) {
    case oplog::kAlarmDoorClosed:
      return make(DeviceEventType::DoorClosed, serial, name, entry.time, *object);
    case oplog::kAlarmDoorOpened:
    case oplog::kAlarmForcedOpen:
      return make(DeviceEventType::DoorOpened, serial, name, entry.time, *object);
    case oplog::kAlarmExitButton:
      return make(DeviceEventType::AlarmExitButton, serial, name, entry.time, *object);
    case oplog::kAlarmTamper:
      return make(DeviceEventType::AlarmTamper, serial, name, entry.time, *object);
    default:  // 58: the misoperation alarm (repeated failures), as on ZK binary: not an event
      return std::nullopt;
  }
}

RtLogOutcome fromRtLog(std::span<const adms::RtLogEntry> entries,
                       const std::string& serial,
                       const std::string& name) {
  RtLogOutcome out;
  for (const auto& entry : entries) {
    const auto event = [&](DeviceEventType type) {
      TerminalEvent made = make(type, serial, name, entry.time, entry.event);
      made.user_id = entry.pin;
      if (entry.door > 0) {
        made.door = entry.door;
      }
      out.events.push_back(std::move(made));
    };
    switch (entry.event) {
      case adms::rtlog::kOpenedAfterVerify:
        if (!entry.pin.empty()) {
          DevicePunch punch{serial,       name, entry.pin, entry.time, entry.in_out == 1 ? 1 : 0,
                            entry.verify, 0,    "push"};
          punch.temperature = entry.temperature;
          punch.mask_detected = entry.mask;
          out.punches.push_back(std::move(punch));
        }
        event(DeviceEventType::DoorUnlocked);
        break;
      case adms::rtlog::kRemoteOpen:
        event(DeviceEventType::DoorUnlocked);
        break;
      case adms::rtlog::kAccessDenied:
      case adms::rtlog::kUnregisteredPerson:
        event(DeviceEventType::AccessDenied);
        break;
      case adms::rtlog::kTamper:
        event(DeviceEventType::AlarmTamper);
        break;
      case adms::rtlog::kDuressOpen:
        event(DeviceEventType::AlarmDuress);
        break;
      case adms::rtlog::kForcedOpen:
      case adms::rtlog::kDoorOpened:
        event(DeviceEventType::DoorOpened);
        break;
      case adms::rtlog::kDoorClosed:
        event(DeviceEventType::DoorClosed);
        break;
      case adms::rtlog::kExitButton:
        event(DeviceEventType::AlarmExitButton);
        break;
      default:
        break;  // other normal, error and extended codes: not in the catalogue
    }
  }
  return out;
}

std::vector<TerminalEvent> fromRtState(const adms::RtStateEntry& entry,
                                       std::map<int, adms::DoorState>& doors,
                                       const std::string& serial,
                                       const std::string& name) {
  std::vector<TerminalEvent> out;
  // Two sensor bits per door in at most 64 hex digits: at most 128 doors; real panels have 4.
  for (int door = 1; door <= 128; ++door) {
    const auto state = adms::doorState(entry, door);
    if (!state) {
      break;
    }
    const auto before = doors.find(door);
    const bool known = before != doors.end();
    const auto add = [&](DeviceEventType type, std::int64_t code) {
      TerminalEvent event = make(type, serial, name, entry.time, code);
      event.door = door;
      out.push_back(std::move(event));
    };
    if (known && state->sensor != before->second.sensor) {
      if (state->sensor == adms::DoorSensor::Open) {
        add(DeviceEventType::DoorOpened, static_cast<std::int64_t>(state->sensor));
      } else if (state->sensor == adms::DoorSensor::Closed) {
        add(DeviceEventType::DoorClosed, static_cast<std::int64_t>(state->sensor));
      }
    }
    const std::uint8_t was = known ? before->second.alarm : state->alarm;
    const auto rose = [&](std::uint8_t bits) {
      return (state->alarm & bits) != 0 && (was & bits) == 0;
    };
    if (rose(adms::door_alarm::kTamper)) {
      add(DeviceEventType::AlarmTamper, adms::door_alarm::kTamper);
    }
    if (rose(adms::door_alarm::kDuressPassword | adms::door_alarm::kDuressFingerprint)) {
      add(DeviceEventType::AlarmDuress, state->alarm);
    }
    doors[door] = *state;
  }
  return out;
}

}  // namespace punchlink::agent
