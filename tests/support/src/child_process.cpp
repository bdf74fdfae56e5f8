#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;  // NOLINT: POSIX

namespace punchlink::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv,
                           std::filesystem::path log_file,
                           std::vector<std::string> extra_env)
    : log_file_(std::move(log_file)) {
  if (argv.empty()) {
    throw std::invalid_argument("ChildProcess needs a program");
  }
  const int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::runtime_error("cannot open log file " + log_file_.string());
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    env_strings.emplace_back(*entry);
  }
  for (auto& extra : extra_env) {
    env_strings.push_back(std::move(extra));
  }
  std::vector<char*> env;
  env.reserve(env_strings.size() + 1);
  for (auto& entry : env_strings) {
    env.push_back(entry.data());
  }
  env.push_back(nullptr);

  // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: a test that crashes must not leave
  // brokers or emulators running. Between fork and exec only async-signal-safe calls.
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);  // the parent died before prctl took effect
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execvpe(args[0], args.data(), env.data());
    static constexpr char kFailed[] = "ChildProcess: exec failed (program not found?)\n";
    (void)!::write(STDERR_FILENO, kFailed, sizeof kFailed - 1);
    ::_exit(127);
  }
  const int rc = pid_ < 0 ? errno : 0;
  ::close(log_fd);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    kill();
  }
}

std::optional<int> ChildProcess::exitStatus() {
  if (!status_ && pid_ > 0) {
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    }
  }
  return status_;
}

bool ChildProcess::running() { return !exitStatus().has_value(); }

int ChildProcess::waitFor(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto status = exitStatus()) {
      return *status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return -1;
}

std::optional<int> ChildProcess::waitForExit(std::chrono::milliseconds timeout) {
  const int status = waitFor(timeout);
  return status >= 0 ? std::optional<int>(status) : std::nullopt;
}

void ChildProcess::signal(int signo) {
  if (running()) {
    ::kill(pid_, signo);
  }
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) {
    return *status_;
  }
  ::kill(pid_, SIGTERM);
  if (const int status = waitFor(grace); status >= 0) {
    return status;
  }
  return kill();
}

int ChildProcess::kill() {
  if (!running()) {
    return *status_;
  }
  ::kill(pid_, SIGKILL);
  int raw = 0;
  ::waitpid(pid_, &raw, 0);
  status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return *status_;
}

std::string ChildProcess::log() const { return readFile(log_file_); }

}  // namespace punchlink::testing
