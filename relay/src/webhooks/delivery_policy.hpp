// What happens after a webhook attempt: delivered, retried when, given up, endpoint disabled.
// Pure: the dispatcher feeds it the attempt's result and the clock, and stores the decision.
#pragma once

#include "store/records.hpp"
#include "webhooks/webhook_sender.hpp"

#include <punchlink/common/backoff.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace punchlink::relay::webhooks {

struct RetryPolicy {
  // Delay before retry n: initial * 2^(n-1), capped at max, jittered down by up to 20 %.
  BackoffPolicy backoff{std::chrono::seconds{1}, std::chrono::hours{1}, 2.0, 0.2};
  // Counted from the delivery's creation (or its last resend): no attempt is scheduled later.
  std::chrono::milliseconds max_age{std::chrono::hours{72}};
  // An endpoint whose attempts have all failed for this long is disabled.
  std::chrono::milliseconds disable_after{std::chrono::hours{120}};
};

struct AttemptDecision {
  AttemptOutcome outcome;
  bool disable_endpoint = false;
  std::string disable_reason;
};

// True for 2xx: only those count as delivered (a 3xx is not followed).
bool isSuccess(int status) noexcept;

// The receiver asks to be left alone for a while: a 429, or a 503 with Retry-After. The one rule
// for the retry delay, the endpoint's concurrency and its pause; a Retry-After on any other
// answer is ignored.
bool isThrottled(const HttpAttemptResult& result) noexcept;

// `delivery` as it was before the attempt (attempt_count excludes it); `failing_since` is the
// endpoint's failure streak start before this attempt (none: no streak). `backoff` supplies the
// jitter.
AttemptDecision decideAfterAttempt(const Delivery& delivery,
                                   const HttpAttemptResult& result,
                                   UtcMillis now,
                                   std::optional<UtcMillis> failing_since,
                                   const RetryPolicy& policy,
                                   Backoff& backoff);

// The error text of an attempt for the delivery log: the status, or why there was none.
std::string describeAttempt(const HttpAttemptResult& result);

}  // namespace punchlink::relay::webhooks
