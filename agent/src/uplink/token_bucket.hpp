// Token bucket for pacing the drain of a backlog (rate per second, burst capacity). Pure: the
// caller passes the time.
#pragma once

#include <algorithm>
#include <chrono>

namespace punchlink::agent {

class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  TokenBucket(double rate_per_second, double burst, TimePoint now)
      : rate_(rate_per_second), burst_(burst), tokens_(burst), last_(now) {}

  // Whole tokens available now.
  std::size_t available(TimePoint now) {
    refill(now);
    return static_cast<std::size_t>(tokens_);
  }

  void consume(std::size_t count) { tokens_ -= static_cast<double>(count); }

  // How long until at least one token is available.
  std::chrono::milliseconds untilNext(TimePoint now) {
    refill(now);
    if (tokens_ >= 1.0) {
      return std::chrono::milliseconds{0};
    }
    return std::chrono::milliseconds{static_cast<long>((1.0 - tokens_) * 1000.0 / rate_) + 1};
  }

 private:
  void refill(TimePoint now) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
      last_ = now;
    }
  }

  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

}  // namespace punchlink::agent
