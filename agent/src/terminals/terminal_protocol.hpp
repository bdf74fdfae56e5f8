// TerminalProtocol: one way the agent reaches terminals (ZK binary, ADMS push, ...). Each protocol
// lives in its own folder, reads its own config keys, builds and runs its own terminals; the
// app sees only these interfaces (protocol_registry.cpp lists the protocols).
#pragma once

#include "outbox/outbox.hpp"
#include "terminals/clock_policy.hpp"
#include "terminals/terminal.hpp"
#include "terminals/terminal_config.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace punchlink::agent {

// What the agent lends a protocol's terminals. Outbox and clock outlive them.
struct TerminalContext {
  Outbox& outbox;
  TerminalSinks sinks;
  Logger logger;  // the agent's; protocols log through children of it
  const Clock& clock;
  std::chrono::milliseconds status_interval;  // status.interval
  const ClockPolicies& clocks;                // what to do about a terminal clock that is off
};

// The running terminals of one protocol.
class TerminalGroup {
 public:
  TerminalGroup() = default;
  virtual ~TerminalGroup() = default;
  TerminalGroup(const TerminalGroup&) = delete;
  TerminalGroup& operator=(const TerminalGroup&) = delete;
  TerminalGroup(TerminalGroup&&) = delete;
  TerminalGroup& operator=(TerminalGroup&&) = delete;

  // Starts what runs on its own (e.g. a session thread per terminal), once the uplink runs.
  virtual void start() = 0;
  // Stops all of it; terminals stay readable until the group is destroyed. Idempotent.
  virtual void stop() = 0;
  // The terminal with this configured name or serial, or nullptr. Thread-safe.
  virtual Terminal* find(const std::string& key) = 0;
  // Every terminal, including any found at run time. Thread-safe; do not block in `visit`.
  virtual void forEach(const std::function<void(Terminal&)>& visit) = 0;
};

using TerminalGroupPtr = std::unique_ptr<TerminalGroup>;

class TerminalProtocol {
 public:
  TerminalProtocol() = default;
  virtual ~TerminalProtocol() = default;
  TerminalProtocol(const TerminalProtocol&) = delete;
  TerminalProtocol& operator=(const TerminalProtocol&) = delete;
  TerminalProtocol(TerminalProtocol&&) = delete;
  TerminalProtocol& operator=(TerminalProtocol&&) = delete;

  // The `protocol:` value of its devices, and the name of its top-level section if it has one.
  virtual std::string_view name() const = 0;

  // Reads one entry of `devices`; `name` and `protocol` are read already. Fails through
  // map.fail() (located errors); the keys it does not read are rejected afterwards.
  virtual DeviceSettingsPtr parseDevice(config::YamlMap& map) const = 0;

  // Whether the protocol has a top-level section named after it.
  virtual bool hasSection() const { return false; }

  // Reads that section; `map` is null when the file leaves it out (then the defaults). Called
  // only when hasSection(), after the generic sections and before `devices`.
  virtual ProtocolSettingsPtr parseSection(config::YamlMap* map) const;

  // Builds the terminals `setup` gives this protocol and binds whatever they listen on.
  // nullptr when there is nothing to run. Errors are startup errors (the agent does not start).
  virtual Result<TerminalGroupPtr> open(const TerminalSetup& setup,
                                        const TerminalContext& context) const = 0;
};

using TerminalProtocolPtr = std::unique_ptr<const TerminalProtocol>;

}  // namespace punchlink::agent
