// A child process started by a test (a broker, zk-sim, the agent, the relay), with its output in a
// log file that tests can read and show on failure. Killed on destruction, and by the kernel when
// the creating thread dies (PR_SET_PDEATHSIG), so a crashed test leaves nothing running: create
// children from the test's own thread, not from short-lived helper threads.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::testing {

class ChildProcess {
 public:
  // Starts argv[0] (searched in PATH) with stdout and stderr appended to `log_file`.
  ChildProcess(std::vector<std::string> argv,
               std::filesystem::path log_file,
               std::vector<std::string> extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&&) = delete;
  ChildProcess& operator=(ChildProcess&&) = delete;

  pid_t pid() const noexcept { return pid_; }

  bool running();

  // The exit status if the process has ended (exit code, or 128 + signal).
  std::optional<int> exitStatus();

  // Waits for the process to end by itself; nullopt if it is still running after `timeout`.
  std::optional<int> waitForExit(std::chrono::milliseconds timeout);

  // SIGTERM, then SIGKILL after `grace`. Returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds{5000});

  // SIGKILL at once, as a crash or power cut would.
  int kill();

  void signal(int signo);

  std::string log() const;

  const std::filesystem::path& logFile() const noexcept { return log_file_; }

 private:
  int waitFor(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_file_;
};

}  // namespace punchlink::testing
