// What a push terminal reports besides ATTLOG punches, as punches and device events (pure):
// OPERLOG alarm, unlock and duress lines (attendance firmware), and Security PUSH rtlog (access
// events, with the person, temperature and mask) and rtstate (door sensors, alarm bits, compared
// with the door's last state so only changes become events). docs/push-terminals.md "Events".
#pragma once

#include "terminals/device_event_mapper.hpp"
#include "terminals/punch_mapper.hpp"

#include <punchlink/common/adms/adms_codec.hpp>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace punchlink::agent {

// OPLOG op codes and alarm objects (adms-push.md App. A).
namespace oplog {
constexpr int kVerifyFailed = 2;
constexpr int kAlarm = 3;
constexpr int kUnlock = 29;
constexpr int kDuress = 32;
constexpr int kAlarmDoorClosed = 50;
constexpr int kAlarmDoorOpened = 51;
constexpr int kAlarmExitButton = 53;
constexpr int kAlarmForcedOpen = 54;
constexpr int kAlarmTamper = 55;
}  // namespace oplog

// The device event of one OPLOG entry, nullopt for operations that are not one (enrolments,
// menu access, setting changes…).
std::optional<TerminalEvent> eventOfOperation(const adms::OpLogEntry& entry,
                                              const std::string& serial,
                                              const std::string& name);

struct RtLogOutcome {
  std::vector<DevicePunch> punches;  // verified passages: the person's attendance
  std::vector<TerminalEvent> events;
};

// A verified passage (rtlog event 0 with a PIN) is a punch (in_out: 0 CheckIn, 1 CheckOut) and a
// door.unlocked by that person; the other codes map as docs/push-terminals.md lists.
RtLogOutcome fromRtLog(std::span<const adms::RtLogEntry> entries,
                       const std::string& serial,
                       const std::string& name);

// door.opened / door.closed when a door's sensor changed since `doors` (its last state, by door
// number; updated), and alarm.tamper / alarm.duress when their bit turns on. The first state seen
// for a door only sets the baseline.
std::vector<TerminalEvent> fromRtState(const adms::RtStateEntry& entry,
                                       std::map<int, adms::DoorState>& doors,
                                       const std::string& serial,
                                       const std::string& name);

}  // namespace punchlink::agent
