// Auto punches (--auto-punch-per-minute N): people walking past the emulated terminal on their
// own, for the local demo. AutoPunchPlan is the sans-I/O part (which user, which state, when),
// seeded so a seed gives the same sequence. AutoPuncher is the thin thread that applies the plan
// at the configured rate through SimDevice::addPunch, the same path as the control API's
// POST /punches: a clock-stamped record in the log and a real-time event to registered clients.
#pragma once

#include "sim_device.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace punchlink::zksim {

// The highest rate the flag accepts: 100 punches a second.
inline constexpr std::uint32_t kMaxAutoPunchesPerMinute = 6000;

class AutoPunchPlan {
 public:
  explicit AutoPunchPlan(std::uint64_t seed);

  // Time between two punches at `per_minute` punches a minute (> 0).
  static std::chrono::milliseconds interval(std::uint32_t per_minute);

  // The next punch among `user_ids`: a random user, checking in (state 0) on their first auto
  // punch and then alternating check-out (1) / check-in (0), verified by fingerprint, at `now`
  // (device-local); uid is left 0 for addPunch to resolve, as for POST /punches. Users who
  // already punched in this second are skipped (a punch's identity is device, user and second);
  // nothing if no user is left.
  std::optional<zk::AttendanceRecord> next(const std::vector<std::string>& user_ids,
                                           LocalSeconds now);

 private:
  struct Last {
    std::uint8_t state = 0;
    LocalSeconds time{};
  };

  std::mt19937_64 rng_;
  std::map<std::string, Last> last_;
};

class AutoPuncher {
 public:
  // Starts punching at once (the first punch after one interval); per_minute 0 starts nothing.
  AutoPuncher(SimDevice& device, std::uint32_t per_minute, std::uint64_t seed);
  ~AutoPuncher();
  AutoPuncher(const AutoPuncher&) = delete;
  AutoPuncher& operator=(const AutoPuncher&) = delete;
  AutoPuncher(AutoPuncher&&) = delete;
  AutoPuncher& operator=(AutoPuncher&&) = delete;

  void stop();

 private:
  void run(std::chrono::milliseconds interval);

  SimDevice& device_;
  AutoPunchPlan plan_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace punchlink::zksim
