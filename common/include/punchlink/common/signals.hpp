// Termination signals as an event the main loop waits for (STYLE.md §5: signals become loop
// events), instead of handlers that run at arbitrary points.
#pragma once

#include <signal.h>

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

}  // namespace punchlink
