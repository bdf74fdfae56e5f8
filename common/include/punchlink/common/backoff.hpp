// Capped exponential backoff with jitter, for reconnects to brokers and terminals. Pure: the
// random source is passed in, so schedules are reproducible in tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace punchlink {

struct BackoffPolicy {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{30'000};
  double multiplier = 2.0;
  // Fraction of each delay that is randomised: the delay is drawn uniformly from
  // [d * (1 - jitter), d]. 0.5 spreads hundreds of sites reconnecting after a broker restart.
  double jitter = 0.5;
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, std::uint64_t seed = std::random_device{}());

  // The delay before the next attempt; grows until it reaches policy.max.
  std::chrono::milliseconds next();

  // The delay after `failures` failed attempts (1 = the first retry), for schedules whose
  // attempt count is stored elsewhere (webhook deliveries). Does not change attempts().
  std::chrono::milliseconds after(int failures);

  // After a success: the next failure starts from policy.initial again.
  void reset() noexcept { attempt_ = 0; }

  int attempts() const noexcept { return attempt_; }

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

}  // namespace punchlink
