// Termination signals as an event the main loop waits for (STYLE.md §5: signals become loop
// events), instead of handlers that run at arbitrary points.
#pragma once

#include <signal.h>

#include <chrono>

namespace punchlink {

// Blocks SIGINT and SIGTERM in the calling thread and every thread started after it, and returns
// the set to pass to sigwait/sigtimedwait. Call first thing in main().
inline sigset_t blockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Waits up to `timeout` for one of `signals` (blocked with blockTerminationSignals); true if one
// arrived. Main loops call it between their periodic chores.
inline bool awaitTerminationSignal(const sigset_t& signals, std::chrono::milliseconds timeout) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const timespec wait{static_cast<time_t>(seconds.count()),
                      static_cast<long>((timeout - seconds).count() * 1'000'000)};
  return sigtimedwait(&signals, nullptr, &wait) > 0;
}

}  // namespace punchlink
