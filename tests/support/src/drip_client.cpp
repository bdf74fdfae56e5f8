#include <punchlink/testing/drip_client.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace punchlink::testing {

namespace {

int connectFrom(const std::string& source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::runtime_error("socket() failed");
  }
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind to " + source);
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect from " + source);
  }
  return fd;
}

// True once the peer has closed: readable with nothing to read, or an error.
bool peerClosed(int fd) {
  pollfd poll_fd{fd, POLLIN, 0};
  if (::poll(&poll_fd, 1, 0) <= 0) {
    return false;
  }
  char byte = 0;
  const ssize_t got = ::recv(fd, &byte, 1, MSG_DONTWAIT);
  return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

}  // namespace

DripClients::DripClients(std::uint16_t port,
                         const std::vector<std::string>& sources,
                         std::chrono::milliseconds interval,
                         std::string opening)
    : opening_(std::move(opening)), closed_(sources.size()) {
  for (const auto& source : sources) {
    sockets_.push_back(connectFrom(source, port));
  }
  thread_ = std::thread([this, interval] { drip(interval); });
}

DripClients::~DripClients() {
  stop_ = true;
  thread_.join();
  for (const int fd : sockets_) {
    ::close(fd);
  }
}

int DripClients::open() const { return static_cast<int>(sockets_.size()) - closed(); }

int DripClients::closed() const {
  int count = 0;
  for (const auto& flag : closed_) {
    count += flag ? 1 : 0;
  }
  return count;
}

void DripClients::drip(std::chrono::milliseconds interval) {
  std::size_t sent = 0;
  while (!stop_) {
    const char byte = sent < opening_.size() ? opening_[sent] : 'a';
    ++sent;
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
      if (closed_[i]) {
        continue;
      }
      if (peerClosed(sockets_[i]) ||
          ::send(sockets_[i], &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        closed_[i] = true;
      }
    }
    const auto until = std::chrono::steady_clock::now() + interval;
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
  }
}

std::vector<std::string> loopbackSources(int first, int count) {
  std::vector<std::string> sources;
  for (int i = 0; i < count; ++i) {
    sources.push_back("127.0.0." + std::to_string(first + i));
  }
  return sources;
}

}  // namespace punchlink::testing
