// CommandRouter: takes the relay's command messages for this site and hands each to the terminal
// it names, publishing every outcome once. A message that does not decode gets a failure result
// naming the problem; a command id seen before gets its stored result again instead of running
// twice; one already queued or running is not queued again. sync_time changes the terminal's
// clock policy here, without going to the terminal.
// Threads: onCommand from the MQTT delivery thread; publishResult from terminals' threads.
#pragma once

#include "commands/command.hpp"
#include "outbox/outbox.hpp"
#include "terminals/clock_policy.hpp"
#include "terminals/terminal.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/publisher.hpp>
#include <punchlink/contract/topics.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>

namespace punchlink::agent {

class CommandRouter {
 public:
  using FindTerminal = std::function<Terminal*(const std::string& key)>;

  // `expiry`: how long a command may wait for an offline terminal at most (its own expires_at
  // may be sooner). Outbox and publisher outlive the router.
  CommandRouter(std::string site_id,
                Outbox& outbox,
                mqtt_client::Publisher& publisher,
                FindTerminal find,
                std::chrono::milliseconds expiry,
                ClockPolicies& clocks,
                Logger logger,
                const Clock& clock);

  void onCommand(const std::string& payload);

  // The terminals' result sink: stores the result (for replays) and publishes it.
  void publishResult(const Command& command, const CommandOutcome& outcome);

 private:
  std::string site_id_;
  contract::SiteTopics topics_;
  Outbox& outbox_;
  mqtt_client::Publisher& publisher_;
  FindTerminal find_;
  std::chrono::milliseconds expiry_;
  ClockPolicies& clocks_;
  Logger logger_;
  const Clock& clock_;
  std::mutex mutex_;
  std::set<std::string> in_flight_;
};

}  // namespace punchlink::agent
