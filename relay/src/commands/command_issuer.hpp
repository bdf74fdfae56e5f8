// Issuing a command to a terminal: recorded first (so it is never lost), then handed to the
// site's agent; it stays "queued" when the broker is unreachable and the resender sends it
// later. Every command carries an expiry, so neither the agent nor the relay keeps a command
// (and the credentials in it) longer than `max_age`.
#pragma once

#include "commands/command_sender.hpp"
#include "commands/command_tracker.hpp"
#include "store/command_log.hpp"
#include "store/records.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/contract/command.hpp>

#include <chrono>

namespace punchlink::relay {

class CommandIssuer {
 public:
  CommandIssuer(CommandLog& commands,
                CommandTracker& tracker,
                CommandSender& sender,
                const Clock& clock,
                std::chrono::milliseconds max_age)
      : commands_(commands), tracker_(tracker), sender_(sender), clock_(clock), max_age_(max_age) {}

  // Records `message` (its type and parameters set; id, device and expiry are filled in here)
  // for `device`, which must have a site, and hands it to that site's agent. The record as it
  // is now: "sent", or "queued" when the broker could not take it.
  Result<CommandRecord> issue(const Device& device, contract::Command message);

  std::chrono::milliseconds maxAge() const { return max_age_; }

 private:
  UtcMillis now() const;

  CommandLog& commands_;
  CommandTracker& tracker_;
  CommandSender& sender_;
  const Clock& clock_;
  std::chrono::milliseconds max_age_;
};

}  // namespace punchlink::relay
