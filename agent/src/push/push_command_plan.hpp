// How a relay command (docs/mqtt-contract.md) is carried out on a push terminal: the iclock
// commands to send, in phases (a phase is sent only after the one before has come back), and
// how the terminal's Return codes become the command's outcome. Pure, so every mapping is
// unit-tested without a terminal.
#pragma once

#include "commands/command.hpp"

#include <punchlink/common/adms/adms_codec.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::agent {

struct PushPlan {
  std::vector<std::vector<adms::Command>> phases;
  // This phase goes to the terminal only once the relay has acknowledged every record the agent
  // holds of it: clear_attendance first has the terminal upload its whole log, and clears it
  // only when nothing of it is missing at the relay.
  std::optional<std::size_t> relay_complete_before;
};

// What came back for a command while it ran: the Return of every iclock command, and the data
// a query uploaded before its result (users from OPERLOG, records from ATTLOG with CmdId).
struct PushProgress {
  std::vector<adms::CommandResult> results;
  std::vector<adms::UserEntry> users;
  std::size_t records = 0;      // ATTLOG rows uploaded for a read_log
  std::size_t new_records = 0;  // of which the outbox did not have yet
};

// Errors: commands a push terminal cannot carry out as asked (set_time to a time other than
// now: terminals take their clock from the agent's replies).
// `device_type` is the terminal's DeviceType ("att", "acc"…): access controllers open doors with
// CONTROL DEVICE, attendance terminals with AC_UNLOCK.
Result<PushPlan> planPushCommand(const Command& command,
                                 const TimeZone& zone,
                                 const std::string& device_type,
                                 UtcSeconds now);

// The phase may not go on: update_user on a terminal that does not have the user. Called with
// the progress so far once every command of `phase` has a result.
std::optional<std::string> checkPhase(const Command& command,
                                      std::size_t phase,
                                      const PushProgress& progress);

// Whether one Return is acceptable for `sent` (a delete of an absent user is; an empty log
// query is), and if not, the error to report.
std::optional<std::string> refusal(const adms::Command& sent, const adms::CommandResult& result);

// The outcome once every phase has come back without refusal.
CommandOutcome pushOutcome(const Command& command, const PushProgress& progress);

}  // namespace punchlink::agent
