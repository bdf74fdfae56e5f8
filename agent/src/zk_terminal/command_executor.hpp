// Runs one relay command on a connected ZK terminal and says how it ended. User writes address
// the terminal's uid for the user id (the next free uid for an enrolment); the directory, the
// status and the log watermark are kept in step with what the command changed.
#pragma once

#include "commands/command.hpp"
#include "zk_net/zk_client.hpp"
#include "zk_terminal/device_status.hpp"
#include "zk_terminal/log_sync.hpp"
#include "zk_terminal/user_directory.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/time_zone.hpp>

namespace punchlink::agent::zk_terminal {

class CommandExecutor {
 public:
  // Everything referenced belongs to the session and outlives the executor.
  // `ack_wait`: how long clear_attendance, with the terminal disabled, waits for the relay to
  // acknowledge the records its last read found before it gives up and clears nothing.
  CommandExecutor(TimeZone zone,
                  UserDirectory& users,
                  DeviceStatus& status,
                  LogSync& log,
                  const Clock& clock,
                  std::chrono::milliseconds ack_wait = std::chrono::seconds{10});

  // Never throws; a failure's error says what the terminal (or the link) did. Commands for push
  // terminals fail with a reason. Device thread only.
  CommandOutcome execute(zk_net::ZkClient& client, const Command& command);

 private:
  CommandOutcome writeUser(zk_net::ZkClient& client, const Command& command);
  CommandOutcome deleteUser(zk_net::ZkClient& client, const Command& command);
  CommandOutcome setTime(zk_net::ZkClient& client, const Command& command);
  CommandOutcome readUsers(zk_net::ZkClient& client);
  CommandOutcome clearAttendance(zk_net::ZkClient& client);
  CommandOutcome readLog(zk_net::ZkClient& client, const Command& command);

  TimeZone zone_;
  UserDirectory& users_;
  DeviceStatus& status_;
  LogSync& log_;
  const Clock& clock_;
  std::chrono::milliseconds ack_wait_;
};

}  // namespace punchlink::agent::zk_terminal
