// What the agent does about a terminal clock that is off (docs/agent-config.md "Clocks"): its
// policy (off, alert, auto) and threshold, from the device's entry or the site default in the
// configuration, replaced for a terminal by a sync_time command (kept in the outbox across
// restarts); and the pure decision a clock reading calls for.
#pragma once

#include "outbox/outbox.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/common/yaml_read.hpp>
#include <punchlink/contract/command.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

namespace punchlink::agent {

struct ClockSettings {
  contract::ClockPolicy policy = contract::ClockPolicy::Alert;
  std::chrono::seconds threshold{contract::kDefaultClockThresholdSeconds};

  friend bool operator==(const ClockSettings&, const ClockSettings&) = default;
};

// `sync_time` (off | alert | auto) and `clock_threshold` (a duration, 1s-1d) of a device entry
// or of the `clock:` section; keys left out keep `fallback`'s. Returns nullopt when neither key
// is there (the site default applies to the device).
std::optional<ClockSettings> readClockSettings(config::YamlMap& map, const ClockSettings& fallback);
// The keys as --check-config prints them, each line prefixed by `indent`.
void describeClockSettings(std::ostream& out, const ClockSettings& settings, const char* indent);

// The settings of every terminal. Thread-safe: the MQTT thread sets, device threads read.
class ClockPolicies {
 public:
  // `configured`: by device name, those that set their own; others take `site_default`.
  ClockPolicies(Outbox& outbox,
                ClockSettings site_default,
                std::map<std::string, ClockSettings> configured);

  // The settings of the terminal with this configured name (and serial, once known): a
  // sync_time override by either, else its configuration's, else the site default.
  ClockSettings forDevice(const std::string& name, const std::string& serial) const;

  // sync_time: kept in the outbox so a restart keeps it; `device_key` as the command named it.
  Status set(const std::string& device_key, const ClockSettings& settings);

 private:
  Outbox& outbox_;
  ClockSettings site_default_;
  std::map<std::string, ClockSettings> configured_;
  mutable std::mutex mutex_;
  std::map<std::string, ClockSettings> overrides_;
};

// What one clock reading calls for, given whether device.clock_drift was raised already for the
// drift still going on (one event per episode, not one per reading).
struct ClockVerdict {
  bool raise = false;         // send device.clock_drift
  bool correct = false;       // set the terminal's clock (policy auto)
  bool episode_over = false;  // back within the threshold: the next drift is a new episode
};

ClockVerdict judgeClock(const ClockSettings& settings, std::int64_t drift_s, bool raised_already);

}  // namespace punchlink::agent
