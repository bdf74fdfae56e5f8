// Device events the emulated terminal raises on demand (door, alarm, denied access) and, as pure
// functions, what each becomes on the wire: a ZK event packet (zk-protocol.md §6), an attendance
// push OPLOG line, or Security PUSH rtlog/rtstate lines (adms-push.md §3.2, §3.4).
#pragma once

#include <punchlink/common/adms/adms_codec.hpp>
#include <punchlink/common/time_zone.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace punchlink::zksim {

enum class SimEventType {
  Unlock,
  AccessDenied,
  Tamper,
  ExitButton,
  DoorClosed,
  DoorOpened,
  Duress,
  Misoperation,
};

constexpr std::array<SimEventType, 8> kSimEventTypes = {
    SimEventType::Unlock,     SimEventType::AccessDenied, SimEventType::Tamper,
    SimEventType::ExitButton, SimEventType::DoorClosed,   SimEventType::DoorOpened,
    SimEventType::Duress,     SimEventType::Misoperation,
};

// The control API's names: "unlock", "access_denied", "tamper", "exit_button", "door_closed",
// "door_opened", "duress", "misoperation".
std::string_view simEventName(SimEventType type) noexcept;
std::optional<SimEventType> parseSimEventType(std::string_view name) noexcept;

struct SimEvent {
  SimEventType type = SimEventType::Unlock;
  std::string user_id;    // who, when the event names a person; empty otherwise
  std::uint16_t uid = 0;  // that user's internal index (0: none or not on the device)
  int door = 1;           // 1..255
  LocalSeconds time{};    // device-local clock when it happened
  std::uint64_t seq = 0;  // position in the device's event log, from 0

  friend bool operator==(const SimEvent&, const SimEvent&) = default;
};

// ZK: the device event firmware sends, or nullopt for door_opened, which has no binary form in
// the reference. The packet carries zk::deviceEventFlag(kind) in its session field.
std::optional<zk::DeviceEvent> zkDeviceEvent(const SimEvent& event);

// Attendance push firmware (DeviceType att): the OPLOG line. Operator "0"; object1 as App. A:
//   unlock        OPLOG 29, object1 = user_id or "0"
//   access_denied OPLOG 2 (verify fail), object1 = user_id or "0"
//   tamper, exit_button, door_closed, door_opened, misoperation
//                 OPLOG 3 (alarm), object1 = 55, 53, 50, 51, 58 ("invalid verify": the ZK
//                 misoperation alarm has the same code, 0x3A)
//   duress        OPLOG 32, object1 = user_id
// The terminal has one door; `door` is not sent.
adms::OpLogEntry opLogEntry(const SimEvent& event);

// Access-control push firmware (DeviceType acc): the rtlog line, or nullopt for misoperation,
// which has no rtlog event code. Events: unlock 0 (opened after verification) with a user, 8
// (remote open) without; access_denied 23 (access denied) with a user, 27 (unregistered person)
// without; tamper 100; duress 101; exit_button 202; door_opened 200; door_closed 201. eventaddr
// = door, verifytype 200 (other) without a user, else 1; index = seq + 1.
std::optional<adms::RtLogEntry> rtLogEntry(const SimEvent& event);

// Access-control push firmware: the rtstate line a door_opened/door_closed also causes (nullopt
// for other events). It reports doors 1..door; the emulator has one sensor per event, so the
// other doors read "no sensor".
std::optional<adms::RtStateEntry> rtStateEntry(const SimEvent& event);

}  // namespace punchlink::zksim
