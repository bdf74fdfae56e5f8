#include "command_resender.hpp"

#include <punchlink/common/units.hpp>

namespace punchlink::relay {

namespace {
constexpr std::size_t kSweepBatch = 500;
}

CommandResender::CommandResender(CommandLog& commands,
                                 CommandTracker& tracker,
                                 CommandSender& sender,
                                 const Clock& clock,
                                 Logger logger,
                                 CommandResendOptions options)
    : commands_(commands),
      tracker_(tracker),
      sender_(sender),
      clock_(clock),
      logger_(std::move(logger)),
      options_(options),
      thread_([this] { run(); }) {}

CommandResender::~CommandResender() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CommandResender::poke() {
  {
    const std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void CommandResender::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.sweep_interval, [this] { return stopping_ || poked_; });
    if (stopping_) {
      break;
    }
    poked_ = false;
    lock.unlock();
    (void)sweep();
    lock.lock();
  }
}

void CommandResender::failUnanswered() {
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  auto unanswered =
      commands_.unansweredCommands(now - options_.max_age - options_.answer_grace, kSweepBatch);
  if (!unanswered) {
    logger_.warn("cannot read unanswered commands", {{"error", unanswered.error().toString()}});
    return;
  }
  for (const auto& command : *unanswered) {
    (void)tracker_.transition(command.site_id, command.id, "failed",
                              "no result from the site's agent within " +
                                  formatDuration(options_.max_age + options_.answer_grace) +
                                  " (it may have been offline); send the request again",
                              "", now);
    logger_.warn("sent command never answered", {{"command", command.id}});
  }
}

std::size_t CommandResender::sweep() {
  // Commands an older relay finished before redaction existed lose their credentials too, a
  // batch per sweep.
  if (auto redacted = tracker_.redactOlderPayloads(kSweepBatch); !redacted) {
    logger_.warn("cannot redact finished commands", {{"error", redacted.error().toString()}});
  } else if (*redacted > 0) {
    logger_.info("redacted commands finished by an older relay",
                 {{"count", std::to_string(*redacted)}});
  }
  failUnanswered();
  auto queued = commands_.queuedCommands(kSweepBatch);
  if (!queued) {
    logger_.warn("cannot read queued commands", {{"error", queued.error().toString()}});
    return 0;
  }
  std::size_t sent = 0;
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  for (const auto& command : *queued) {
    if (now - command.created_at > options_.max_age) {
      (void)tracker_.transition(command.site_id, command.id, "failed",
                                "the site's agent could not be reached for " +
                                    formatDuration(options_.max_age) + "; send the request again",
                                "", now);
      logger_.warn("queued command expired", {{"command", command.id}});
      continue;
    }
    if (!sender_.send(command.site_id, command.payload)) {
      break;  // still disconnected: the next poke or sweep tries again
    }
    (void)tracker_.transition(command.site_id, command.id, "sent", "", "", now);
    logger_.info("queued command sent", {{"command", command.id}, {"site", command.site_id}});
    ++sent;
  }
  return sent;
}

}  // namespace punchlink::relay
