// Hands commands that are still "queued" to the broker: a REST call made while the broker was
// unreachable leaves its command queued, and it goes out once the relay is connected again.
// Commands that wait too long, queued or unanswered, fail (and so lose their credentials).
#pragma once

#include "commands/command_sender.hpp"
#include "commands/command_tracker.hpp"
#include "store/command_log.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace punchlink::relay {

struct CommandResendOptions {
  std::chrono::seconds sweep_interval{30};
  // A command that no agent could be handed for this long fails instead (the caller should
  // retry rather than have a stale change applied days later). The agent drops a command at
  // the same age (its expires_at); one sent but never answered fails `answer_grace` later, so
  // what it carried (PINs, templates) is not kept for ever.
  std::chrono::milliseconds max_age{std::chrono::hours{24}};
  std::chrono::milliseconds answer_grace{std::chrono::hours{1}};
};

class CommandResender {
 public:
  CommandResender(CommandLog& commands,
                  CommandTracker& tracker,
                  CommandSender& sender,
                  const Clock& clock,
                  Logger logger,
                  CommandResendOptions options = {});
  ~CommandResender();
  CommandResender(const CommandResender&) = delete;
  CommandResender& operator=(const CommandResender&) = delete;
  CommandResender(CommandResender&&) = delete;
  CommandResender& operator=(CommandResender&&) = delete;

  // Sweeps now (the broker connection came back) rather than at the next interval.
  void poke();

  // One pass over the queued commands; returns how many were handed to the broker.
  std::size_t sweep();

 private:
  void run();
  void failUnanswered();

  CommandLog& commands_;
  CommandTracker& tracker_;
  CommandSender& sender_;
  const Clock& clock_;
  Logger logger_;
  CommandResendOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace punchlink::relay
