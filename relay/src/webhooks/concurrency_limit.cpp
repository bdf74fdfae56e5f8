#include "webhooks/concurrency_limit.hpp"

#include "webhooks/delivery_policy.hpp"

#include <algorithm>

namespace punchlink::relay::webhooks {

namespace {

// An answer within twice the baseline (plus this, for receivers that answer in microseconds) is
// fast.
constexpr std::chrono::milliseconds kSlack{20};
// Never grown for answers slower than this: a receiver that takes seconds per request gains
// little from more at once, and would hold more workers that other endpoints need.
constexpr std::chrono::milliseconds kFastEnough{500};

}  // namespace

ConcurrencyLimit::ConcurrencyLimit(ConcurrencyBounds bounds)
    : bounds_{std::max<std::size_t>(1, bounds.min),
              std::max({std::size_t{1}, bounds.min, bounds.max})},
      current_(bounds_.min) {}

void ConcurrencyLimit::onAttempt(const HttpAttemptResult& result, bool delivered) {
  if (isThrottled(result)) {
    current_ = bounds_.min;
    fast_successes_ = 0;
    return;
  }
  if (!delivered) {
    current_ = std::max(bounds_.min, current_ / 2);
    fast_successes_ = 0;
    return;
  }
  const auto latency = result.latency;
  if (baseline_.count() < 0 || latency < baseline_) {
    baseline_ = latency;
  } else {
    // Drifts towards slower answers by 1/64 of the gap each time, so a receiver that became
    // slower for good is not measured against its best moment forever.
    baseline_ += (latency - baseline_) / 64;
  }
  if (latency > 2 * baseline_ + kSlack || latency > kFastEnough) {
    fast_successes_ = 0;
    return;
  }
  if (++fast_successes_ >= current_) {
    current_ = std::min(bounds_.max, current_ + 1);
    fast_successes_ = 0;
  }
}

}  // namespace punchlink::relay::webhooks
