// How many attempts one endpoint gets at once, adapted to how its receiver copes, as TCP adapts
// its window: one more after a window of fast successes (as many as the limit), half as many
// after a failure, the minimum after a 429 or a Retry-After. Pure: the dispatcher feeds it each
// attempt's result.
#pragma once

#include "webhooks/webhook_sender.hpp"

#include <chrono>
#include <cstddef>

namespace punchlink::relay::webhooks {

struct ConcurrencyBounds {
  std::size_t min = 2;
  std::size_t max = 16;
};

class ConcurrencyLimit {
 public:
  explicit ConcurrencyLimit(ConcurrencyBounds bounds);

  std::size_t current() const noexcept { return current_; }

  // The receiver's usual latency: the fastest recent answer, drifting up slowly.
  std::chrono::milliseconds baseline() const noexcept { return baseline_; }

  // Grows only while answers stay fast: an answer much slower than the baseline means the
  // receiver is queueing, and more attempts at once would only queue longer.
  void onAttempt(const HttpAttemptResult& result, bool delivered);

 private:
  ConcurrencyBounds bounds_;
  std::size_t current_;
  std::size_t fast_successes_ = 0;
  std::chrono::milliseconds baseline_{-1};  // none yet
};

}  // namespace punchlink::relay::webhooks
