// Per-key request counting for the REST API's rate limit, without a database write per
// request: each node counts in memory and a flush adds its counts to the shared windows (one
// transaction for every key seen), reading back what all nodes have counted. A request is
// judged on the last shared total plus this node's hits since, so across N nodes a key can
// exceed its limit by at most what the other N-1 nodes admit in one flush interval.
#pragma once

#include "store/api_guard_store.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/result.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace punchlink::relay::api {

// How often a node adds its counts to the shared windows.
constexpr std::chrono::milliseconds kRateLimitFlushInterval{1'000};

struct RateLimitDecision {
  bool allowed = true;
  int limit = 0;
  std::int64_t remaining = 0;
  std::int64_t reset_seconds = 0;  // until the window ends
};

class RateLimiter {
 public:
  // `per_minute` requests per key in fixed one-minute windows.
  RateLimiter(ApiGuardStore& store, const Clock& clock, int per_minute);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;
  RateLimiter(RateLimiter&&) = delete;
  RateLimiter& operator=(RateLimiter&&) = delete;

  // Counts a request of `key_id`. Never touches the store.
  RateLimitDecision hit(const std::string& key_id);

  // Adds this node's counts to the shared windows and learns the other nodes'. A failure keeps
  // the counts for the next flush.
  Status flush();

 private:
  struct Window {
    std::int64_t start = 0;    // Unix seconds
    std::int64_t shared = 0;   // every node's hits at the last flush
    std::int64_t pending = 0;  // this node's hits since
  };

  std::int64_t nowSeconds() const;

  ApiGuardStore& store_;
  const Clock& clock_;
  int per_minute_;
  std::mutex mutex_;
  std::map<std::string, Window> windows_;
};

// Flushes a RateLimiter every `interval` on its own thread until destroyed (then once more).
class RateLimitFlusher {
 public:
  RateLimitFlusher(RateLimiter& limiter, std::chrono::milliseconds interval);
  ~RateLimitFlusher();
  RateLimitFlusher(const RateLimitFlusher&) = delete;
  RateLimitFlusher& operator=(const RateLimitFlusher&) = delete;
  RateLimitFlusher(RateLimitFlusher&&) = delete;
  RateLimitFlusher& operator=(RateLimitFlusher&&) = delete;

 private:
  RateLimiter& limiter_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace punchlink::relay::api
