#include "delivery_policy.hpp"

#include <punchlink/common/units.hpp>

#include <algorithm>

namespace punchlink::relay::webhooks {

bool isSuccess(int status) noexcept { return status >= 200 && status < 300; }

bool isThrottled(const HttpAttemptResult& result) noexcept {
  return result.status == 429 || (result.status == 503 && result.retry_after.has_value());
}

std::string describeAttempt(const HttpAttemptResult& result) {
  if (isSuccess(result.status)) {
    return "";
  }
  if (result.status == 0) {
    return result.error.empty() ? std::string("no response") : result.error;
  }
  return "HTTP " + std::to_string(result.status);
}

AttemptDecision decideAfterAttempt(const Delivery& delivery,
                                   const HttpAttemptResult& result,
                                   UtcMillis now,
                                   std::optional<UtcMillis> failing_since,
                                   const RetryPolicy& policy,
                                   Backoff& backoff) {
  AttemptDecision decision;
  if (isSuccess(result.status)) {
    decision.outcome.kind = AttemptOutcome::Kind::Delivered;
    return decision;
  }
  if (result.status == 410) {
    decision.outcome.kind = AttemptOutcome::Kind::Failed;
    decision.outcome.reason = "the endpoint answered 410 Gone; it was disabled";
    decision.disable_endpoint = true;
    decision.disable_reason = "the receiver answered 410 Gone";
    return decision;
  }
  const int failures = static_cast<int>(delivery.attempt_count) + 1;
  std::chrono::milliseconds delay = backoff.after(failures);
  if (isThrottled(result) && result.retry_after) {
    delay = std::max<std::chrono::milliseconds>(delay, *result.retry_after);
  }
  const UtcMillis due = now + delay;
  if (due - delivery.window_start > policy.max_age) {
    decision.outcome.kind = AttemptOutcome::Kind::Failed;
    decision.outcome.reason = "gave up after " + std::to_string(failures) + " attempts over " +
                              formatDuration(policy.max_age) + "; last: " + describeAttempt(result);
  } else {
    decision.outcome.kind = AttemptOutcome::Kind::Retry;
    decision.outcome.next_attempt = due;
  }
  if (now - failing_since.value_or(now) >= policy.disable_after) {
    decision.disable_endpoint = true;
    decision.disable_reason = "every attempt failed for " + formatDuration(policy.disable_after) +
                              "; last: " + describeAttempt(result);
  }
  return decision;
}

}  // namespace punchlink::relay::webhooks
