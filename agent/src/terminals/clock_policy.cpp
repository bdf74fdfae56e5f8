#include "terminals/clock_policy.hpp"

#include <punchlink/common/units.hpp>

#include <cstdlib>

namespace punchlink::agent {

namespace {

ClockSettings fromOverride(const ClockPolicyOverride& stored) {
  ClockSettings settings;
  settings.policy =
      contract::clockPolicyNamed(stored.policy).value_or(contract::ClockPolicy::Alert);
  settings.threshold = std::chrono::seconds{stored.threshold_s};
  return settings;
}

}  // namespace

std::optional<ClockSettings> readClockSettings(config::YamlMap& map,
                                               const ClockSettings& fallback) {
  if (!map.has("sync_time") && !map.has("clock_threshold")) {
    return std::nullopt;
  }
  ClockSettings settings = fallback;
  const std::string policy =
      map.oneOf("sync_time", contract::clockPolicyName(fallback.policy), {"off", "alert", "auto"});
  settings.policy = contract::clockPolicyNamed(policy).value_or(fallback.policy);
  const auto threshold =
      map.getAtLeast("clock_threshold", std::chrono::milliseconds{settings.threshold},
                     std::chrono::milliseconds{contract::kMinClockThresholdSeconds * 1000});
  if (threshold > std::chrono::seconds{contract::kMaxClockThresholdSeconds}) {
    map.fail("clock_threshold", "must be at most 1d");
  }
  settings.threshold = std::chrono::duration_cast<std::chrono::seconds>(threshold);
  return settings;
}

void describeClockSettings(std::ostream& out, const ClockSettings& settings, const char* indent) {
  out << indent << "sync_time: " << contract::clockPolicyName(settings.policy) << "\n"
      << indent << "clock_threshold: " << formatDuration(settings.threshold) << "\n";
}

ClockPolicies::ClockPolicies(Outbox& outbox,
                             ClockSettings site_default,
                             std::map<std::string, ClockSettings> configured)
    : outbox_(outbox), site_default_(site_default), configured_(std::move(configured)) {
  // Overrides a sync_time made before a restart; an outbox that cannot say has none.
  if (auto stored = outbox_.clockPolicies()) {
    for (const auto& [device, policy] : *stored) {
      overrides_[device] = fromOverride(policy);
    }
  }
}

ClockSettings ClockPolicies::forDevice(const std::string& name, const std::string& serial) const {
  {
    const std::lock_guard lock(mutex_);
    for (const auto& key : {serial, name}) {
      if (const auto found = overrides_.find(key); !key.empty() && found != overrides_.end()) {
        return found->second;
      }
    }
  }
  const auto configured = configured_.find(name);
  return configured != configured_.end() ? configured->second : site_default_;
}

Status ClockPolicies::set(const std::string& device_key, const ClockSettings& settings) {
  if (auto stored = outbox_.setClockPolicy(
          device_key,
          {std::string(contract::clockPolicyName(settings.policy)), settings.threshold.count()});
      !stored) {
    return stored;
  }
  const std::lock_guard lock(mutex_);
  overrides_[device_key] = settings;
  return {};
}

ClockVerdict judgeClock(const ClockSettings& settings, std::int64_t drift_s, bool raised_already) {
  ClockVerdict verdict;
  if (std::llabs(drift_s) < settings.threshold.count()) {
    verdict.episode_over = raised_already;
    return verdict;
  }
  if (settings.policy == contract::ClockPolicy::Off) {
    return verdict;
  }
  // auto corrects every reading past the threshold; the event goes out once per episode.
  verdict.correct = settings.policy == contract::ClockPolicy::Auto;
  verdict.raise = !raised_already;
  return verdict;
}

}  // namespace punchlink::agent
