// CommandTracker: moves a command through its states (queued → sent → succeeded | failed) and,
// in the same transaction, records the events a final state causes: command.succeeded or
// command.failed, and user.enrolled for a succeeded enrollment.
#pragma once

#include "store/command_log.hpp"
#include "store/event_outbox.hpp"
#include "store/unit_of_work.hpp"
#include "store/user_directory.hpp"

#include <punchlink/common/result.hpp>

#include <string>

namespace punchlink::relay {

class CommandTracker {
 public:
  CommandTracker(UnitOfWork& work, CommandLog& commands, UserDirectory& users, EventOutbox& outbox)
      : work_(work), commands_(commands), users_(users), outbox_(outbox) {}

  // Scoped by site: an agent can only move commands that were sent to its own site. A command
  // in a final state stays as it is (results may arrive late or twice); no event then.
  Status transition(const std::string& site_id,
                    const std::string& command_id,
                    const std::string& state,
                    const std::string& error,
                    const std::string& result,
                    UtcMillis now);

  // Redacts up to `limit` finished commands an older relay stored whole; how many it did.
  Result<std::size_t> redactOlderPayloads(std::size_t limit);

 private:
  UnitOfWork& work_;
  CommandLog& commands_;
  UserDirectory& users_;
  EventOutbox& outbox_;
};

}  // namespace punchlink::relay
