// Commands sent to terminals and their states (queued → sent → succeeded | failed).
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

class CommandLog {
 public:
  virtual ~CommandLog() = default;
  virtual Status createCommand(const CommandRecord& command) = 0;
  // Moves a command of `site_id` to `state` unless it is final already (results may arrive
  // late or twice); the command as it is now if this call changed it.
  virtual Result<std::optional<CommandRecord>> transitionCommand(const std::string& site_id,
                                                                 const std::string& command_id,
                                                                 const std::string& state,
                                                                 const std::string& error,
                                                                 const std::string& result,
                                                                 UtcMillis now) = 0;
  // Replaces what was sent with its redacted form (contract::redactCommand), once the command
  // has finished and nothing sends it again.
  virtual Status storeRedactedPayload(const std::string& command_id,
                                      const std::string& payload) = 0;
  // Finished commands whose payload has not been redacted yet (stored by an older relay).
  virtual Result<std::vector<CommandRecord>> unredactedFinished(std::size_t limit) = 0;
  virtual Result<std::optional<CommandRecord>> findCommand(const std::string& tenant_id,
                                                           const std::string& command_id) = 0;
  // Commands of every tenant still "queued" (never handed to the broker), oldest first.
  virtual Result<std::vector<CommandRecord>> queuedCommands(std::size_t limit) = 0;
  // Commands of every tenant "sent" before `created_before` and never answered, oldest first.
  virtual Result<std::vector<CommandRecord>> unansweredCommands(UtcMillis created_before,
                                                                std::size_t limit) = 0;
  // A device's commands, newest first, after `before` when given; at most `limit`.
  virtual Result<std::vector<CommandRecord>> deviceCommands(
      const std::string& tenant_id,
      const std::string& serial,
      const std::optional<CommandPosition>& before,
      std::size_t limit) = 0;
  virtual Result<std::vector<CommandRecord>> commandsForUser(const std::string& tenant_id,
                                                             const std::string& user_id) = 0;
  // Devices the user was (or is being) written to by `writes` commands that did not fail, minus
  // devices a later `removal` command succeeded on.
  virtual Result<std::vector<std::string>> enrolledDevices(const std::string& tenant_id,
                                                           const std::string& user_id,
                                                           const std::vector<std::string>& writes,
                                                           const std::string& removal) = 0;
};

}  // namespace punchlink::relay
