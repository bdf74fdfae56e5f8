#include "commands/command_tracker.hpp"

#include "events/event_catalogue.hpp"

#include <punchlink/contract/command.hpp>

namespace punchlink::relay {

Status CommandTracker::transition(const std::string& site_id,
                                  const std::string& command_id,
                                  const std::string& state,
                                  const std::string& error,
                                  const std::string& result,
                                  UtcMillis now) {
  return work_.transaction([&]() -> Status {
    auto changed = commands_.transitionCommand(site_id, command_id, state, error, result, now);
    if (!changed) {
      return changed.error();
    }
    if (!*changed || (state != "succeeded" && state != "failed")) {
      return {};
    }
    const CommandRecord& command = **changed;
    // Finished: nothing sends it again, so the credentials it carried go.
    if (auto redacted =
            commands_.storeRedactedPayload(command.id, contract::redactCommand(command.payload));
        !redacted) {
      return redacted;
    }
    events::CommandFacts facts{
        command.id,
        command.type,
        command.device_serial,
        command.state == "succeeded",
        command.user_id,
        "",
        command.error,
        formatRfc3339(std::chrono::floor<std::chrono::seconds>(command.updated_at))};
    if (!command.user_id.empty()) {
      auto user = users_.findUser(command.tenant_id, command.user_id);
      if (!user) {
        return user.error();
      }
      facts.user_name = *user ? (*user)->name : "";
    }
    if (auto recorded = outbox_.record(command.tenant_id, events::commandFinished(facts), now);
        !recorded) {
      return recorded.error();
    }
    if (facts.succeeded &&
        contract::commandTypeNamed(command.type) == contract::CommandType::EnrollUser) {
      if (auto recorded = outbox_.record(command.tenant_id, events::userEnrolled(facts), now);
          !recorded) {
        return recorded.error();
      }
    }
    return {};
  });
}

Result<std::size_t> CommandTracker::redactOlderPayloads(std::size_t limit) {
  auto finished = commands_.unredactedFinished(limit);
  if (!finished) {
    return finished.error();
  }
  for (const CommandRecord& command : *finished) {
    if (auto redacted =
            commands_.storeRedactedPayload(command.id, contract::redactCommand(command.payload));
        !redacted) {
      return redacted.error();
    }
  }
  return finished->size();
}

}  // namespace punchlink::relay
