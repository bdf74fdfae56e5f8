#include "auto_punch.hpp"

#include <algorithm>

namespace punchlink::zksim {

AutoPunchPlan::AutoPunchPlan(std::uint64_t seed) : rng_(seed) {}

std::chrono::milliseconds AutoPunchPlan::interval(std::uint32_t per_minute) {
  const std::uint32_t rate = std::max<std::uint32_t>(per_minute, 1);
  return std::chrono::milliseconds{std::max<std::int64_t>(60'000 / std::int64_t{rate}, 1)};
}

std::optional<zk::AttendanceRecord> AutoPunchPlan::next(const std::vector<std::string>& user_ids,
                                                        LocalSeconds now) {
  // A punch is identified by device, user and second, so a user punches at most once a second.
  std::vector<const std::string*> candidates;
  candidates.reserve(user_ids.size());
  for (const auto& user_id : user_ids) {
    const auto last = last_.find(user_id);
    if (last == last_.end() || last->second.time != now) {
      candidates.push_back(&user_id);
    }
  }
  if (candidates.empty()) {
    return std::nullopt;
  }
  const std::string& user_id = *candidates[static_cast<std::size_t>(rng_() % candidates.size())];
  Last& last = last_[user_id];
  // Check-in first, then alternate, as people come and go.
  last.state = last.time == LocalSeconds{} || last.state == 1 ? 0 : 1;
  last.time = now;
  zk::AttendanceRecord record;
  record.user_id = user_id;
  record.state = last.state;
  record.verify = 1;  // fingerprint, the control API's default
  record.time = now;
  return record;
}

AutoPuncher::AutoPuncher(SimDevice& device, std::uint32_t per_minute, std::uint64_t seed)
    : device_(device), plan_(seed) {
  if (per_minute > 0) {
    thread_ =
        std::thread([this, interval = AutoPunchPlan::interval(per_minute)] { run(interval); });
  }
}

AutoPuncher::~AutoPuncher() { stop(); }

void AutoPuncher::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void AutoPuncher::run(std::chrono::milliseconds interval) {
  // Due times advance by whole intervals from the start, so the rate does not drift.
  auto due = std::chrono::steady_clock::now() + interval;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_until(lock, due, [this] { return stopping_; })) {
    // A stalled process skips the punches it missed instead of sending them in a burst.
    due = std::max(due + interval, std::chrono::steady_clock::now());
    lock.unlock();
    if (auto record = plan_.next(device_.userIds(), device_.localNow())) {
      device_.addPunch(*record);
    }
    lock.lock();
  }
}

}  // namespace punchlink::zksim
