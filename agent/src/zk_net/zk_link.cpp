#include "zk_link.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace punchlink::agent::zk_net {

namespace {

int remainingMs(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 60'000));
}

Error timedOut(std::string_view what) {
  return makeError(ErrorCode::DeadlineExceeded,
                   "terminal did not answer in time (" + std::string(what) + ")",
                   "check that the terminal is powered, reachable and not busy");
}

class SocketLink : public ZkLink {
 public:
  SocketLink(int fd, ZkTransport transport) : fd_(fd), transport_(transport) {}

  ~SocketLink() override { close(); }

  SocketLink(const SocketLink&) = delete;
  SocketLink& operator=(const SocketLink&) = delete;
  SocketLink(SocketLink&&) = delete;
  SocketLink& operator=(SocketLink&&) = delete;

  Status send(const zk::Packet& packet) override {
    if (fd_ < 0) {
      return makeError(ErrorCode::Unavailable, "connection to the terminal is closed");
    }
    const zk::Bytes wire =
        transport_ == ZkTransport::Tcp ? zk::encodeTcpPacket(packet) : zk::encodePacket(packet);
    std::size_t sent = 0;
    while (sent < wire.size()) {
      const ssize_t n = ::send(fd_, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return makeError(ErrorCode::Unavailable,
                         std::string("sending to the terminal failed: ") + errnoText(errno));
      }
      sent += static_cast<std::size_t>(n);
    }
    return {};
  }

  Result<zk::Packet> receive(Deadline deadline) override {
    return transport_ == ZkTransport::Tcp ? receiveTcp(deadline) : receiveUdp(deadline);
  }

  void close() override {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  std::uint64_t malformedCount() const override { return malformed_; }

 private:
  bool waitReadable(Deadline deadline) const {
    while (true) {
      pollfd pfd{fd_, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, remainingMs(deadline));
      if (ready < 0 && errno == EINTR) {
        continue;
      }
      return ready > 0;
    }
  }

  Result<zk::Packet> receiveTcp(Deadline deadline) {
    while (true) {
      // Decode what is buffered first: one read may carry several packets (§1.3).
      while (offset_ < buffer_.size()) {
        auto frame = zk::decodeTcpFrame(zk::ByteView(buffer_).subspan(offset_));
        if (std::holds_alternative<zk::NeedMore>(frame)) {
          break;
        }
        if (auto* malformed = std::get_if<zk::Malformed>(&frame)) {
          ++malformed_;
          offset_ += malformed->skip;
          continue;
        }
        auto& decoded = std::get<zk::Decoded>(frame);
        offset_ += decoded.consumed;
        compact();
        return std::move(decoded.packet);
      }
      compact();
      if (fd_ < 0) {
        return makeError(ErrorCode::Unavailable, "connection to the terminal is closed");
      }
      if (!waitReadable(deadline)) {
        return timedOut("TCP");
      }
      // Straight into the buffer, a modest chunk at a time: a 64 KiB array on the stack stayed
      // resident in every terminal's thread (76 kB of stack each, bench/throughput.sh part 5),
      // and the kernel keeps what does not fit for the next call.
      const std::size_t kept = buffer_.size();
      buffer_.resize(kept + kTcpChunk);
      const ssize_t n = ::recv(fd_, buffer_.data() + kept, kTcpChunk, 0);
      buffer_.resize(kept + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        close();
        return makeError(ErrorCode::Unavailable, "the terminal closed the connection");
      }
    }
  }

  void compact() {
    if (offset_ > 0 && (offset_ >= buffer_.size() || offset_ > 65536)) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset_));
      offset_ = 0;
    }
  }

  Result<zk::Packet> receiveUdp(Deadline deadline) {
    std::vector<std::uint8_t> datagram;
    while (true) {
      if (fd_ < 0) {
        return makeError(ErrorCode::Unavailable, "connection to the terminal is closed");
      }
      if (!waitReadable(deadline)) {
        return timedOut("UDP");
      }
      // The datagram's length first (MSG_TRUNC makes Linux report it): the buffer is as large
      // as what arrived, not 64 KiB on every terminal thread's stack.
      ssize_t n = ::recv(fd_, nullptr, 0, MSG_PEEK | MSG_TRUNC);
      if (n >= 0) {
        datagram.resize(static_cast<std::size_t>(n));
        n = ::recv(fd_, datagram.data(), datagram.size(), 0);
      }
      if (n < 0 && (errno == EINTR || errno == ECONNREFUSED)) {
        // ICMP port unreachable from an earlier datagram: nothing listens (yet) on UDP.
        if (errno == ECONNREFUSED) {
          return makeError(ErrorCode::Unavailable, "the terminal refused UDP (port unreachable)",
                           "check the port and whether the terminal speaks UDP");
        }
        continue;
      }
      if (n <= 0) {
        continue;
      }
      auto packet = zk::decodeDatagram(zk::ByteView(datagram.data(), static_cast<std::size_t>(n)));
      if (!packet) {
        ++malformed_;
        continue;
      }
      return packet;
    }
  }

  static constexpr std::size_t kTcpChunk = 16 * 1024;

  int fd_;
  ZkTransport transport_;
  zk::Bytes buffer_;
  std::size_t offset_ = 0;
  std::uint64_t malformed_ = 0;
};

}  // namespace

Result<ZkLinkPtr> connectZkLink(ZkTransport transport,
                                const std::string& host,
                                std::uint16_t port,
                                std::chrono::milliseconds timeout) {
  const std::string where =
      host + ":" + std::to_string(port) + (transport == ZkTransport::Tcp ? " (TCP)" : " (UDP)");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = transport == ZkTransport::Tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
      rc != 0 || found == nullptr) {
    return makeError(ErrorCode::InvalidInput,
                     "cannot resolve terminal address " + host + ": " + ::gai_strerror(rc),
                     "check the device's host in the config");
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return makeError(ErrorCode::Internal, std::string("socket() failed: ") + errnoText(errno));
  }
  int rc = ::connect(fd, found->ai_addr, found->ai_addrlen);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd pfd{fd, POLLOUT, 0};
    rc = ::poll(&pfd, 1, static_cast<int>(timeout.count())) > 0 ? 0 : -1;
    int error = rc == 0 ? 0 : ETIMEDOUT;
    socklen_t length = sizeof error;
    if (rc == 0) {
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    }
    errno = error;
    rc = error == 0 ? 0 : -1;
  }
  if (rc != 0) {
    const int error = errno;
    ::close(fd);
    if (error == ETIMEDOUT) {
      return makeError(ErrorCode::DeadlineExceeded,
                       "connecting to terminal " + where + " timed out",
                       "check the terminal's IP address, that it is powered and on this network");
    }
    return makeError(ErrorCode::Unavailable,
                     "cannot connect to terminal " + where + ": " + errnoText(error),
                     "check the IP address and port (usually 4370), and whether the terminal "
                     "speaks TCP or only UDP");
  }
  // Blocking from here on: every read is bounded by poll() with the caller's deadline.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  if (transport == ZkTransport::Tcp) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  }
  return ZkLinkPtr(std::make_unique<SocketLink>(fd, transport));
}

}  // namespace punchlink::agent::zk_net
