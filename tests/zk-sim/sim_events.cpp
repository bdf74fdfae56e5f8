#include "sim_events.hpp"

#include <algorithm>
#include <vector>

namespace punchlink::zksim {

namespace {

// App. A operation codes and the op 3 alarm objects (adms-push.md §3.2).
constexpr int kOpVerifyFail = 2;
constexpr int kOpAlarm = 3;
constexpr int kOpUnlock = 29;
constexpr int kOpDuress = 32;

constexpr int kVerifyOther = 200;
constexpr int kVerifyFingerprint = 1;

zk::DeviceEvent deviceEvent(zk::DeviceEventKind kind,
                            std::uint32_t code = 0,
                            std::optional<std::uint32_t> uid = std::nullopt) {
  return {kind, zk::deviceEventFlag(kind), code, uid};
}

}  // namespace

std::string_view simEventName(SimEventType type) noexcept {
  switch (type) {
    case SimEventType::Unlock:
      return "unlock";
    case SimEventType::AccessDenied:
      return "access_denied";
    case SimEventType::Tamper:
      return "tamper";
    case SimEventType::ExitButton:
      return "exit_button";
    case SimEventType::DoorClosed:
      return "door_closed";
    case SimEventType::DoorOpened:
      return "door_opened";
    case SimEventType::Duress:
      return "duress";
    case SimEventType::Misoperation:
      return "misoperation";
  }
  return "unlock";
}

std::optional<SimEventType> parseSimEventType(std::string_view name) noexcept {
  for (const SimEventType type : kSimEventTypes) {
    if (simEventName(type) == name) {
      return type;
    }
  }
  return std::nullopt;
}

std::optional<zk::DeviceEvent> zkDeviceEvent(const SimEvent& event) {
  using zk::DeviceEventKind;
  switch (event.type) {
    case SimEventType::Unlock:
      return deviceEvent(DeviceEventKind::Unlock);
    case SimEventType::AccessDenied:
      return deviceEvent(DeviceEventKind::VerifyFailed);
    case SimEventType::Tamper:
      return deviceEvent(DeviceEventKind::Tamper, zk::kAlarmTamper);
    case SimEventType::ExitButton:
      return deviceEvent(DeviceEventKind::ExitButton, zk::kAlarmExitButton);
    case SimEventType::Misoperation:
      return deviceEvent(DeviceEventKind::Misoperation, zk::kAlarmMisoperation);
    case SimEventType::DoorClosed:
      return deviceEvent(DeviceEventKind::DoorClosed, zk::kAlarmDoorSensor);
    case SimEventType::Duress:
      return deviceEvent(DeviceEventKind::Duress, zk::kAlarmDuress, event.uid);
    case SimEventType::DoorOpened:
      return deviceEvent(DeviceEventKind::DoorOpened, zk::kAlarmDoorSensor);
  }
  return std::nullopt;
}

adms::OpLogEntry opLogEntry(const SimEvent& event) {
  const std::string who = event.user_id.empty() ? "0" : event.user_id;
  const auto alarm = [&](int object) {
    return adms::OpLogEntry{kOpAlarm, "0", event.time, {std::to_string(object), "0", "0", "0"}};
  };
  switch (event.type) {
    case SimEventType::Unlock:
      return {kOpUnlock, "0", event.time, {who, "0", "0", "0"}};
    case SimEventType::AccessDenied:
      return {kOpVerifyFail, "0", event.time, {who, "0", "0", "0"}};
    case SimEventType::Duress:
      return {kOpDuress, "0", event.time, {who, "0", "0", "0"}};
    case SimEventType::DoorClosed:
      return alarm(50);
    case SimEventType::DoorOpened:
      return alarm(51);
    case SimEventType::ExitButton:
      return alarm(53);
    case SimEventType::Tamper:
      return alarm(55);
    case SimEventType::Misoperation:
      return alarm(58);
  }
  return alarm(0);
}

std::optional<adms::RtLogEntry> rtLogEntry(const SimEvent& event) {
  const bool person = !event.user_id.empty();
  int code = 0;
  switch (event.type) {
    case SimEventType::Unlock:
      code = person ? adms::rtlog::kOpenedAfterVerify : adms::rtlog::kRemoteOpen;
      break;
    case SimEventType::AccessDenied:
      code = person ? adms::rtlog::kAccessDenied : adms::rtlog::kUnregisteredPerson;
      break;
    case SimEventType::Tamper:
      code = adms::rtlog::kTamper;
      break;
    case SimEventType::Duress:
      code = adms::rtlog::kDuressOpen;
      break;
    case SimEventType::ExitButton:
      code = adms::rtlog::kExitButton;
      break;
    case SimEventType::DoorOpened:
      code = adms::rtlog::kDoorOpened;
      break;
    case SimEventType::DoorClosed:
      code = adms::rtlog::kDoorClosed;
      break;
    case SimEventType::Misoperation:
      return std::nullopt;
  }
  adms::RtLogEntry entry;
  entry.time = event.time;
  entry.pin = event.user_id;
  entry.door = event.door;
  entry.event = code;
  entry.verify = person ? kVerifyFingerprint : kVerifyOther;
  entry.index = std::to_string(event.seq + 1);
  return entry;
}

std::optional<adms::RtStateEntry> rtStateEntry(const SimEvent& event) {
  if (event.type != SimEventType::DoorOpened && event.type != SimEventType::DoorClosed) {
    return std::nullopt;
  }
  std::vector<adms::DoorState> doors(static_cast<std::size_t>(std::max(event.door, 1)));
  doors.back().sensor =
      event.type == SimEventType::DoorOpened ? adms::DoorSensor::Open : adms::DoorSensor::Closed;
  return adms::makeRtState(event.time, doors);
}

}  // namespace punchlink::zksim
