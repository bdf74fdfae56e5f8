// A Clock that moves only when a test says so.
#pragma once

#include <punchlink/common/clock.hpp>

#include <atomic>
#include <chrono>

namespace punchlink::testing {

class ManualClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point{std::chrono::milliseconds{wall_ms_.load()}};
  }

  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point{std::chrono::milliseconds{steady_ms_.load()}};
  }

  void advance(std::chrono::milliseconds by) {
    wall_ms_ += by.count();
    steady_ms_ += by.count();
  }

  void setWall(std::chrono::system_clock::time_point time) {
    wall_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  }

 private:
  std::atomic<long long> wall_ms_{1'700'000'000'000};
  std::atomic<long long> steady_ms_{1'000'000};
};

}  // namespace punchlink::testing
