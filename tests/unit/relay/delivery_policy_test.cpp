// After each attempt: delivered, retried on the doubling schedule, given up at the maximum age,
// and endpoints disabled on 410 or a long failure streak.
#include "webhooks/delivery_policy.hpp"

#include "webhooks/webhook_http_client.hpp"

#include <gtest/gtest.h>

namespace punchlink::relay::webhooks {
namespace {

using namespace std::chrono_literals;

const UtcMillis kStart{std::chrono::milliseconds{1'800'000'000'000}};

RetryPolicy noJitter() {
  RetryPolicy policy;
  policy.backoff.jitter = 0.0;
  return policy;
}

Delivery delivery(std::int64_t attempts) {
  Delivery d;
  d.attempt_count = attempts;
  d.window_start = kStart;
  return d;
}

HttpAttemptResult status(int code) {
  HttpAttemptResult result;
  result.status = code;
  return result;
}

TEST(DeliveryPolicy, AnyTwoHundredIsDeliveredAndNothingElseIs) {
  const RetryPolicy policy = noJitter();
  Backoff backoff(policy.backoff, 1);
  for (int code : {200, 201, 202, 204, 299}) {
    EXPECT_EQ(decideAfterAttempt(delivery(0), status(code), kStart, std::nullopt, policy, backoff)
                  .outcome.kind,
              AttemptOutcome::Kind::Delivered)
        << code;
  }
  for (int code : {0, 301, 302, 400, 401, 404, 500, 502}) {
    EXPECT_EQ(decideAfterAttempt(delivery(0), status(code), kStart, std::nullopt, policy, backoff)
                  .outcome.kind,
              AttemptOutcome::Kind::Retry)
        << code;
  }
}

TEST(DeliveryPolicy, RetriesDoubleFromOneSecondUpToTheCap) {
  const RetryPolicy policy = noJitter();
  Backoff backoff(policy.backoff, 1);
  std::vector<std::int64_t> delays;
  for (std::int64_t attempts : {0, 1, 2, 3, 12, 13, 40}) {
    const auto decision =
        decideAfterAttempt(delivery(attempts), status(500), kStart, std::nullopt, policy, backoff);
    ASSERT_EQ(decision.outcome.kind, AttemptOutcome::Kind::Retry);
    delays.push_back((decision.outcome.next_attempt - kStart).count());
  }
  EXPECT_EQ(delays,
            (std::vector<std::int64_t>{1000, 2000, 4000, 8000, 3'600'000, 3'600'000, 3'600'000}));
}

TEST(DeliveryPolicy, JitterOnlyShortensTheDelay) {
  RetryPolicy policy;  // 20 % jitter
  Backoff backoff(policy.backoff, 7);
  for (int i = 0; i < 100; ++i) {
    const auto due =
        decideAfterAttempt(delivery(3), status(503), kStart, std::nullopt, policy, backoff)
            .outcome.next_attempt;
    EXPECT_GE(due - kStart, 6400ms);
    EXPECT_LE(due - kStart, 8000ms);
  }
}

TEST(DeliveryPolicy, RetryAfterIsHonouredFor429And503) {
  const RetryPolicy policy = noJitter();
  Backoff backoff(policy.backoff, 1);
  HttpAttemptResult busy = status(429);
  busy.retry_after = 120s;
  EXPECT_EQ(decideAfterAttempt(delivery(0), busy, kStart, std::nullopt, policy, backoff)
                .outcome.next_attempt,
            kStart + 120'000ms);
  busy.status = 503;
  EXPECT_EQ(decideAfterAttempt(delivery(0), busy, kStart, std::nullopt, policy, backoff)
                .outcome.next_attempt,
            kStart + 120'000ms);
  busy.status = 500;  // only 429 and 503 carry a meaningful Retry-After
  EXPECT_EQ(decideAfterAttempt(delivery(0), busy, kStart, std::nullopt, policy, backoff)
                .outcome.next_attempt,
            kStart + 1000ms);
}

TEST(DeliveryPolicy, GivesUpOnceTheNextAttemptWouldBePastTheMaximumAge) {
  RetryPolicy policy = noJitter();
  policy.max_age = 10s;
  Backoff backoff(policy.backoff, 1);
  // Attempts at 0, +1, +3, +7 s; the next would be +15 s: past 10 s.
  auto decision =
      decideAfterAttempt(delivery(2), status(500), kStart + 3000ms, std::nullopt, policy, backoff);
  EXPECT_EQ(decision.outcome.kind, AttemptOutcome::Kind::Retry);
  EXPECT_EQ(decision.outcome.next_attempt, kStart + 7000ms);
  decision =
      decideAfterAttempt(delivery(3), status(500), kStart + 7000ms, std::nullopt, policy, backoff);
  EXPECT_EQ(decision.outcome.kind, AttemptOutcome::Kind::Failed);
  EXPECT_EQ(decision.outcome.reason, "gave up after 4 attempts over 10s; last: HTTP 500");
}

TEST(DeliveryPolicy, GoneDisablesTheEndpoint) {
  const RetryPolicy policy = noJitter();
  Backoff backoff(policy.backoff, 1);
  const auto decision =
      decideAfterAttempt(delivery(0), status(410), kStart, std::nullopt, policy, backoff);
  EXPECT_EQ(decision.outcome.kind, AttemptOutcome::Kind::Failed);
  EXPECT_TRUE(decision.disable_endpoint);
  EXPECT_EQ(decision.disable_reason, "the receiver answered 410 Gone");
}

TEST(DeliveryPolicy, AnEndpointFailingLongerThanTheLimitIsDisabled) {
  RetryPolicy policy = noJitter();
  policy.disable_after = 1h;
  Backoff backoff(policy.backoff, 1);
  HttpAttemptResult refused;
  refused.error = "Connection refused";
  auto decision =
      decideAfterAttempt(delivery(0), refused, kStart + 3'599'000ms, kStart, policy, backoff);
  EXPECT_FALSE(decision.disable_endpoint);
  decision =
      decideAfterAttempt(delivery(0), refused, kStart + 3'600'000ms, kStart, policy, backoff);
  EXPECT_TRUE(decision.disable_endpoint);
  EXPECT_EQ(decision.disable_reason, "every attempt failed for 1h; last: Connection refused");
  EXPECT_EQ(decision.outcome.kind, AttemptOutcome::Kind::Retry);  // kept for re-enabling
}

TEST(DeliveryPolicy, RetryAfterHeaderForms) {
  const auto now = std::chrono::system_clock::from_time_t(1'445'412'480);  // 21 Oct 2015 07:28
  EXPECT_EQ(parseRetryAfter("120", now), 120s);
  // A hostile receiver cannot park deliveries for ages or overflow the clock.
  EXPECT_EQ(parseRetryAfter("9223372036854775807", now), kMaxRetryAfter);
  EXPECT_EQ(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now), kMaxRetryAfter);
  EXPECT_EQ(parseRetryAfter("Wed, 21 Oct 2015 07:30:00 GMT", now), 120s);
  EXPECT_EQ(parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), 0s);
  EXPECT_EQ(parseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(parseRetryAfter("", now), std::nullopt);
}

}  // namespace
}  // namespace punchlink::relay::webhooks
