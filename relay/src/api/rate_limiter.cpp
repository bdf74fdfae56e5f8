#include "rate_limiter.hpp"

#include <algorithm>
#include <vector>

namespace punchlink::relay::api {

namespace {

constexpr std::int64_t kWindowSeconds = 60;

}  // namespace

RateLimiter::RateLimiter(ApiGuardStore& store, const Clock& clock, int per_minute)
    : store_(store), clock_(clock), per_minute_(per_minute) {}

std::int64_t RateLimiter::nowSeconds() const {
  return std::chrono::floor<std::chrono::seconds>(clock_.now()).time_since_epoch().count();
}

RateLimitDecision RateLimiter::hit(const std::string& key_id) {
  const std::int64_t now = nowSeconds();
  const std::int64_t start = now - now % kWindowSeconds;
  const std::lock_guard lock(mutex_);
  Window& window = windows_[key_id];
  if (window.start != start) {
    window = Window{start, 0, 0};
  }
  ++window.pending;
  const std::int64_t count = window.shared + window.pending;
  return {count <= per_minute_, per_minute_, std::max<std::int64_t>(0, per_minute_ - count),
          start + kWindowSeconds - now};
}

Status RateLimiter::flush() {
  std::vector<RateLimitHits> batch;
  {
    const std::lock_guard lock(mutex_);
    const std::int64_t now = nowSeconds();
    const std::int64_t current = now - now % kWindowSeconds;
    for (auto it = windows_.begin(); it != windows_.end();) {
      if (it->second.start < current) {
        it = windows_.erase(it);  // its window is over; what it counted no longer matters
        continue;
      }
      batch.push_back(
          {it->first, UtcMillis{std::chrono::seconds{it->second.start}}, it->second.pending});
      ++it;
    }
  }
  if (batch.empty()) {
    return {};
  }
  // Outside the lock: requests keep being counted while the store works.
  auto totals = store_.addRateLimitHits(batch);
  if (!totals) {
    return Status(totals.error());
  }
  const std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < batch.size() && i < totals->size(); ++i) {
    const auto found = windows_.find(batch[i].key_id);
    const std::int64_t start =
        std::chrono::floor<std::chrono::seconds>(batch[i].window_start).time_since_epoch().count();
    if (found == windows_.end() || found->second.start != start) {
      continue;  // a new window began meanwhile
    }
    found->second.pending -= batch[i].hits;
    found->second.shared = (*totals)[i];
  }
  return {};
}

RateLimitFlusher::RateLimitFlusher(RateLimiter& limiter, std::chrono::milliseconds interval)
    : limiter_(limiter) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, interval, [this] { return stopping_; });
      lock.unlock();
      (void)limiter_.flush();  // kept for the next round; requests are judged meanwhile
      lock.lock();
    }
  });
}

RateLimitFlusher::~RateLimitFlusher() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace punchlink::relay::api
