#include "app/command_router.hpp"

#include <punchlink/contract/command_result.hpp>

#include <nlohmann/json.hpp>

namespace punchlink::agent {

CommandRouter::CommandRouter(std::string site_id,
                             Outbox& outbox,
                             mqtt_client::Publisher& publisher,
                             FindTerminal find,
                             std::chrono::milliseconds expiry,
                             ClockPolicies& clocks,
                             Logger logger,
                             const Clock& clock)
    : site_id_(std::move(site_id)),
      topics_(site_id_),
      outbox_(outbox),
      publisher_(publisher),
      find_(std::move(find)),
      expiry_(expiry),
      clocks_(clocks),
      logger_(std::move(logger)),
      clock_(clock) {}

void CommandRouter::onCommand(const std::string& payload) {
  auto command = contract::decodeCommand(payload);
  if (!command) {
    // Malformed: answer with a failure naming the problem (and the id, if it had one).
    logger_.warn("rejected a malformed command", {{"error", command.error().message}});
    const auto header = contract::peekCommandHeader(payload);
    Command rejected;
    rejected.command_id = command.error().hint;
    rejected.device = header.device;
    rejected.type_text = header.type.empty() ? "unknown" : header.type;
    publishResult(rejected, {false, command.error().message, ""});
    return;
  }
  // Replays are idempotent: a finished command's stored result is published again.
  if (auto stored = outbox_.commandResult(command->command_id); stored && stored->has_value()) {
    (void)publisher_.publish({topics_.commandResults(), **stored, 1, false, "", ""},
                             std::chrono::seconds{5});
    return;
  }
  {
    const std::lock_guard lock(mutex_);
    if (!in_flight_.insert(command->command_id).second) {
      return;  // already queued or running
    }
  }
  Terminal* terminal = find_(command->device);
  if (terminal == nullptr) {
    publishResult(*command,
                  {false, "no terminal \"" + command->device + "\" at site " + site_id_, ""});
    return;
  }
  if (command->type == CommandType::SyncTime) {
    // A policy the agent applies at every clock reading: kept here, whether the terminal is
    // online or not.
    const ClockSettings settings{command->clock_policy, command->clock_threshold};
    const auto kept = clocks_.set(command->device, settings);
    publishResult(
        *command,
        kept ? CommandOutcome{true, "",
                              nlohmann::json{{"policy", contract::clockPolicyName(settings.policy)},
                                             {"threshold_s", settings.threshold.count()}}
                                  .dump()}
             : CommandOutcome{false, "cannot keep the clock policy: " + kept.error().message, ""});
    return;
  }
  auto expires = clock_.now() + expiry_;
  if (command->expires_at) {
    expires = std::min<std::chrono::system_clock::time_point>(expires, *command->expires_at);
  }
  terminal->enqueue(std::move(command.value()), expires);
}

void CommandRouter::publishResult(const Command& command, const CommandOutcome& outcome) {
  const std::string json = contract::encodeCommandResult(
      {command.command_id, command.device,
       command.type_text.empty() ? std::string(commandTypeName(command.type)) : command.type_text,
       outcome.succeeded, outcome.error, outcome.result_json,
       std::chrono::floor<std::chrono::seconds>(clock_.now())});
  if (!command.command_id.empty()) {
    (void)outbox_.saveCommandResult(command.command_id, json, epochMillis(clock_.now()));
    const std::lock_guard lock(mutex_);
    in_flight_.erase(command.command_id);
  }
  if (auto published = publisher_.publish({topics_.commandResults(), json, 1, false, "", ""},
                                          std::chrono::seconds{5});
      !published) {
    logger_.warn("cannot publish a command result; it is stored and sent again on replay",
                 {{"command_id", command.command_id}, {"error", published.error().toString()}});
  }
}

}  // namespace punchlink::agent
