// Tells systemd about the service's state (Type=notify units): READY once listeners are up and
// the database is open, WATCHDOG pings from the main loop, STOPPING on shutdown. Outside systemd
// (no $NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <chrono>
#include <string_view>

namespace punchlink {

class ServiceNotifier {
 public:
  ServiceNotifier();

  void ready(std::string_view status) const noexcept;
  void stopping() const noexcept;
  // Pings the watchdog if WatchdogSec= is set and half its interval has passed since the last
  // ping; call it from the main loop at least that often.
  void keepAlive() noexcept;

  // The unit's WatchdogSec (0 when there is no watchdog).
  std::chrono::microseconds watchdogInterval() const noexcept { return watchdog_; }

 private:
  std::chrono::microseconds watchdog_{0};
  std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace punchlink
