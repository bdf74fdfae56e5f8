#include "attempt_watchdog.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <system_error>
#include <utility>

namespace punchlink::relay::webhooks {

AttemptWatchdog::Watch::Watch(Watch&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}

AttemptWatchdog::Watch& AttemptWatchdog::Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) {
      owner_->unwatch(id_);
    }
    owner_ = std::exchange(other.owner_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

AttemptWatchdog::Watch::~Watch() {
  if (owner_ != nullptr) {
    owner_->unwatch(id_);
  }
}

bool AttemptWatchdog::Watch::fired() const { return owner_ != nullptr && owner_->fired(id_); }

AttemptWatchdog::AttemptWatchdog() : thread_([this](const std::stop_token& stop) { run(stop); }) {}

AttemptWatchdog::~AttemptWatchdog() {
  thread_.request_stop();  // wakes the wait below through its stop token
  thread_.join();
  for (const auto& [id, entry] : entries_) {
    ::close(entry.fd);
  }
}

AttemptWatchdog::Watch AttemptWatchdog::watch(int socket_fd, TimePoint deadline) {
  const int duplicate = ::fcntl(socket_fd, F_DUPFD_CLOEXEC, 0);
  if (duplicate < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot watch the connection for its deadline");
  }
  std::uint64_t id = 0;
  {
    const std::lock_guard lock(mutex_);
    id = next_id_++;
    entries_.emplace(id, Entry{duplicate, deadline, false});
    ++generation_;
  }
  changed_.notify_one();
  return {this, id};
}

void AttemptWatchdog::unwatch(std::uint64_t id) {
  const std::lock_guard lock(mutex_);
  if (const auto it = entries_.find(id); it != entries_.end()) {
    // Under the lock, so the watchdog is never between finding this descriptor and shutting it.
    ::close(it->second.fd);
    entries_.erase(it);
  }
}

bool AttemptWatchdog::fired(std::uint64_t id) const {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  return it != entries_.end() && it->second.fired;
}

void AttemptWatchdog::run(const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    std::optional<TimePoint> next;
    for (auto& [id, entry] : entries_) {
      if (entry.fired) {
        continue;
      }
      if (entry.deadline <= now) {
        // Both directions: a blocked read gets end of stream, a blocked write an error. The
        // state is permanent, so once is enough.
        ::shutdown(entry.fd, SHUT_RDWR);
        entry.fired = true;
      } else if (!next || entry.deadline < *next) {
        next = entry.deadline;
      }
    }
    const std::uint64_t seen = generation_;
    const auto changed = [&] { return generation_ != seen; };
    if (next) {
      changed_.wait_until(lock, stop, *next, changed);
    } else {
      changed_.wait(lock, stop, changed);
    }
  }
}

}  // namespace punchlink::relay::webhooks
