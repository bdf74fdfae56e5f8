// Ends webhook attempts at their deadline however slowly the receiver sends. When the deadline
// passes, the watchdog shuts the attempt's socket down, so any blocked read or write returns at
// once. Per-read timeouts cannot do this: Poco parses headers and OpenSSL runs its handshake
// through many reads, and a byte every few seconds keeps each of those reads short.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <stop_token>
#include <thread>

namespace punchlink::relay::webhooks {

class AttemptWatchdog {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Watches one socket until it is destroyed (or moved from).
  class Watch {
   public:
    Watch(Watch&& other) noexcept;
    Watch& operator=(Watch&& other) noexcept;
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    ~Watch();

    // True once the deadline passed and the socket was shut down: whatever the attempt read
    // after that (an early end of the body, say) is not the receiver's answer.
    bool fired() const;

   private:
    friend class AttemptWatchdog;

    Watch(AttemptWatchdog* owner, std::uint64_t id) : owner_(owner), id_(id) {}

    AttemptWatchdog* owner_ = nullptr;
    std::uint64_t id_ = 0;
  };

  AttemptWatchdog();
  ~AttemptWatchdog();  // stops its thread; every Watch must be gone by then
  AttemptWatchdog(const AttemptWatchdog&) = delete;
  AttemptWatchdog& operator=(const AttemptWatchdog&) = delete;
  AttemptWatchdog(AttemptWatchdog&&) = delete;
  AttemptWatchdog& operator=(AttemptWatchdog&&) = delete;

  // Shuts `socket_fd`, a connected socket, down at `deadline`. The watchdog keeps a duplicate
  // of the descriptor until the Watch goes, so it never shuts down a number that the socket's
  // owner closed and the kernel handed to another connection meanwhile. Any thread may call
  // it. Throws std::system_error when the descriptor cannot be duplicated (out of descriptors).
  Watch watch(int socket_fd, TimePoint deadline);

 private:
  struct Entry {
    int fd = -1;  // the duplicate
    TimePoint deadline;
    bool fired = false;
  };

  void run(const std::stop_token& stop);
  void unwatch(std::uint64_t id);
  bool fired(std::uint64_t id) const;

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::map<std::uint64_t, Entry> entries_;  // guarded by mutex_
  std::uint64_t next_id_ = 1;               // guarded by mutex_
  std::uint64_t generation_ = 0;            // guarded by mutex_; bumped by every watch()
  std::jthread thread_;                     // last: started once the rest exists
};

}  // namespace punchlink::relay::webhooks
