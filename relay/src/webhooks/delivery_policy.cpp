#include "delivery_policy.hpp"

#include <punchlink/common/units.hpp>

#include <algorithm>

namespace punchlink::relay::webhooks {

namespace {}  // namespace

bool isSuccess(int status) noexcept { return status >= 200 && status < 300; }

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
                                   std::int64_t now_ms,
                                   std::int64_t failing_since_ms,
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
  if ((result.status == 429 || result.status == 503) && result.retry_after) {
    delay = std::max<std::chrono::milliseconds>(delay, *result.retry_after);
  }
  const std::int64_t due = now_ms + delay.count();
  if (due - delivery.created_ms > policy.max_age.count()) {
    decision.outcome.kind = AttemptOutcome::Kind::Failed;
    decision.outcome.reason = "gave up after " + std::to_string(failures) + " attempts over " +
                              formatDuration(policy.max_age) + "; last: " + describeAttempt(result);
  } else {
    decision.outcome.kind = AttemptOutcome::Kind::Retry;
    decision.outcome.next_due_ms = due;
  }
  const std::int64_t streak_start = failing_since_ms == 0 ? now_ms : failing_since_ms;
  if (now_ms - streak_start >= policy.disable_after.count()) {
    decision.disable_endpoint = true;
    decision.disable_reason = "every attempt failed for " + formatDuration(policy.disable_after) +
                              "; last: " + describeAttempt(result);
  }
  return decision;
}

}  // namespace punchlink::relay::webhooks
