// What the agent needs of a terminal, whichever protocol reaches it: a ZK binary session the
// agent drives, or a push terminal that calls the agent. Commands are queued here and reported
// through the result sink the terminal was built with.
#pragma once

#include "commands/command.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace punchlink::agent {

class Terminal {
 public:
  // Called from the terminal's own thread (or a request thread); must not block for long.
  using StatusSink = std::function<void(const std::string& device_key, const std::string& json)>;
  using ResultSink = std::function<void(const Command&, const CommandOutcome&)>;
  using PunchSink = std::function<void(std::size_t new_rows)>;

  Terminal() = default;
  virtual ~Terminal() = default;
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  Terminal(Terminal&&) = delete;
  Terminal& operator=(Terminal&&) = delete;

  // The configured name.
  virtual const std::string& name() const noexcept = 0;
  // The serial once known, else empty. Thread-safe.
  virtual std::string serial() const = 0;
  // Reachable now. Thread-safe.
  virtual bool online() const = 0;
  // The last status JSON (docs/mqtt-contract.md), empty before the first. Thread-safe.
  virtual std::string statusJson() const = 0;
  // Thread-safe. Runs when the terminal is reachable; fails with "expired" after `expires`.
  virtual void enqueue(Command command, std::chrono::system_clock::time_point expires) = 0;
};

// Where a terminal reports: its status, command results, and punches new in the outbox. Any of
// them may be empty (tests).
struct TerminalSinks {
  Terminal::StatusSink status;
  Terminal::ResultSink results;
  Terminal::PunchSink punches;
};

}  // namespace punchlink::agent
