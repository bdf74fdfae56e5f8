// The systemd notifications, received on a real datagram socket standing in for systemd's.
#include <punchlink/common/service_notifier.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace punchlink {
namespace {

class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    const timeval timeout{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  ~FakeSystemd() { ::close(fd_); }

  FakeSystemd(const FakeSystemd&) = delete;
  FakeSystemd& operator=(const FakeSystemd&) = delete;
  FakeSystemd(FakeSystemd&&) = delete;
  FakeSystemd& operator=(FakeSystemd&&) = delete;

  std::string next() {
    char buffer[512];
    const auto size = ::recv(fd_, buffer, sizeof buffer, 0);
    return size > 0 ? std::string(buffer, static_cast<std::size_t>(size)) : std::string();
  }

 private:
  int fd_ = -1;
};

TEST(ServiceNotifier, ReportsReadyWatchdogAndStopping) {
  testing::TempDir dir;
  const std::string socket_path = dir.file("notify").string();
  FakeSystemd systemd(socket_path);
  ::setenv("NOTIFY_SOCKET", socket_path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  ::unsetenv("WATCHDOG_PID");
  ServiceNotifier notifier;
  EXPECT_EQ(notifier.watchdogInterval(), std::chrono::milliseconds{200});
  notifier.ready("serving");
  EXPECT_EQ(systemd.next(), "READY=1\nSTATUS=serving");
  notifier.keepAlive();
  EXPECT_EQ(systemd.next(), "WATCHDOG=1");
  notifier.stopping();  // a second keepAlive within half the interval sends nothing
  notifier.keepAlive();
  EXPECT_EQ(systemd.next(), "STOPPING=1");
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
}

TEST(ServiceNotifier, OutsideSystemdNothingHappens) {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ServiceNotifier notifier;
  EXPECT_EQ(notifier.watchdogInterval().count(), 0);
  notifier.ready("x");
  notifier.keepAlive();
  notifier.stopping();
}

}  // namespace
}  // namespace punchlink
