// Clock: the one place time is read, so that schedules, backoff and rate limits are testable
// with a manual clock (tests/support) instead of sleeps.
#pragma once

#include <chrono>
#include <cstdint>

namespace punchlink {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that leave the process.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for timeouts and intervals.
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }

  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

// Milliseconds since the Unix epoch: how wall times are stored in the databases.
inline std::int64_t epochMillis(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace punchlink
