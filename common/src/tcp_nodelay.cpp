#include <punchlink/common/tcp_nodelay.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <dirent.h>

namespace punchlink {

namespace {

std::uint16_t peerPort(int fd) noexcept {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
    return 0;
  }
  if (peer.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
  }
  if (peer.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
  }
  return 0;
}

}  // namespace

int disableNagleForPeerPort(std::uint16_t port) noexcept {
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr || port == 0) {
    if (fds != nullptr) {
      ::closedir(fds);
    }
    return 0;
  }
  int changed = 0;
  while (const dirent* entry = ::readdir(fds)) {
    int fd = -1;
    const std::string_view name(entry->d_name);
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (ec != std::errc{} || end != name.data() + name.size() || fd == ::dirfd(fds)) {
      continue;
    }

    struct stat info {};

    if (::fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode) || peerPort(fd) != port) {
      continue;
    }
    const int on = 1;
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) {
      ++changed;
    }
  }
  ::closedir(fds);
  return changed;
}

std::uint16_t portOfUrl(std::string_view url) noexcept {
  const auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  const auto colon = rest.rfind(':');
  // ']' after the last ':' is an IPv6 literal without a port.
  if (colon == std::string_view::npos || rest.find(']', colon) != std::string_view::npos) {
    const std::string_view name = scheme == std::string_view::npos ? "" : url.substr(0, scheme);
    return name == "mqtts" || name == "ssl" ? 8883 : 1883;
  }
  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(rest.data() + colon + 1, rest.data() + rest.size(), port);
  return ec == std::errc{} && end == rest.data() + rest.size() ? port : 0;
}

}  // namespace punchlink
