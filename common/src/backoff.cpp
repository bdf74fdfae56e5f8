#include <punchlink/common/backoff.hpp>

#include <algorithm>
#include <cmath>

namespace punchlink {

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy), rng_(seed) {
  policy_.initial = std::max(policy_.initial, std::chrono::milliseconds{1});
  policy_.max = std::max(policy_.max, policy_.initial);
  policy_.multiplier = std::max(policy_.multiplier, 1.0);
  policy_.jitter = std::clamp(policy_.jitter, 0.0, 1.0);
}

std::chrono::milliseconds Backoff::next() {
  const double base = static_cast<double>(policy_.initial.count()) *
                      std::pow(policy_.multiplier, static_cast<double>(attempt_));
  const auto delay = after(attempt_ + 1);
  if (base < static_cast<double>(policy_.max.count())) {
    ++attempt_;  // stop growing once capped, so the exponent never overflows
  }
  return delay;
}

std::chrono::milliseconds Backoff::after(int failures) {
  // Past ~1000 doublings the power is infinite; min() below caps it either way.
  const int exponent = std::clamp(failures - 1, 0, 1000);
  const double base = static_cast<double>(policy_.initial.count()) *
                      std::pow(policy_.multiplier, static_cast<double>(exponent));
  const double capped = std::min(base, static_cast<double>(policy_.max.count()));
  std::uniform_real_distribution<double> spread(capped * (1.0 - policy_.jitter), capped);
  const double delay = policy_.jitter > 0.0 ? spread(rng_) : capped;
  return std::chrono::milliseconds{std::max<std::int64_t>(1, std::llround(delay))};
}

}  // namespace punchlink
