// Waiting in tests for a condition another process or thread brings about, instead of sleeping
// a guessed time: polls `predicate` until it holds or `timeout` passes.
#pragma once

#include <chrono>
#include <thread>

namespace punchlink::testing {

// True as soon as predicate() is; false if it still is not after `timeout` (checked once more
// at the end, so a slow machine gets the full time).
template <typename Predicate>
bool eventually(Predicate predicate,
                std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds{50}) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) {
      return true;
    }
    std::this_thread::sleep_for(poll);
  }
  return static_cast<bool>(predicate());
}

}  // namespace punchlink::testing
