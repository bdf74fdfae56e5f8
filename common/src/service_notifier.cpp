#include <punchlink/common/service_notifier.hpp>

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <string>

namespace punchlink {

ServiceNotifier::ServiceNotifier() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) {
    watchdog_ = std::chrono::microseconds{static_cast<std::int64_t>(usec)};
  }
}

void ServiceNotifier::ready(std::string_view status) const noexcept {
  try {
    const std::string message = "READY=1\nSTATUS=" + std::string(status);
    (void)sd_notify(0, message.c_str());
  } catch (...) {
    // Only allocation can fail here; systemd then times the start out, which is visible.
  }
}

void ServiceNotifier::stopping() const noexcept { (void)sd_notify(0, "STOPPING=1"); }

void ServiceNotifier::keepAlive() noexcept {
  if (watchdog_.count() == 0) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ping_ >= watchdog_ / 2) {
    (void)sd_notify(0, "WATCHDOG=1");
    last_ping_ = now;
  }
}

}  // namespace punchlink
