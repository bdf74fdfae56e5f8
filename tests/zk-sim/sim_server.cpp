#include "sim_server.hpp"

#include <punchlink/zk/zk_packet.hpp>

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <stdexcept>

namespace punchlink::zksim {

namespace {

constexpr int kPollMs = 100;

sockaddr_in addressOf(const std::string& host, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    throw std::runtime_error("zk-sim: invalid bind address " + host);
  }
  return address;
}

std::string peerKey(const sockaddr_in& address) {
  char host[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &address.sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(address.sin_port));
}

}  // namespace

struct SimServer::Connection {
  Connection(int socket_fd, SimDevice& device, const SimOptions& options, std::uint16_t id)
      : fd(socket_fd), session(device, options, Transport::Tcp, id) {}

  int fd;
  std::mutex send_mutex;  // a reply sequence and an event never interleave
  SimSession session;     // touched by the connection thread, and under send_mutex by events
  std::deque<zk::Packet> pending_events;
  int replies_sent = 0;
  std::atomic<bool> open{true};
  std::atomic<bool> connected{false};  // mirrors session.connected() for lock-free counting
};

struct SimServer::UdpPeer {
  UdpPeer(sockaddr_in from, SimDevice& device, const SimOptions& options, std::uint16_t id)
      : address(from), session(device, options, Transport::Udp, id) {}

  sockaddr_in address;
  std::mutex mutex;  // the UDP thread handles requests, event senders read the event mask
  SimSession session;
};

SimServer::SimServer(SimDevice& device, SimOptions options, ServerOptions server)
    : device_(device), options_(options), server_(std::move(server)) {
  next_session_ = static_cast<std::uint16_t>(::time(nullptr) & 0xFFFF);  // as FW: time() & 0xFFFF
}

SimServer::~SimServer() { stop(); }

void SimServer::bindSockets() {
  // With port 0, take a free TCP port and bind UDP to the same number; retry if UDP is taken.
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address = addressOf(server_.bind_address, server_.port);
    socklen_t length = sizeof address;
    if (::bind(tcp, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(tcp, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      const std::string reason = punchlink::errnoText(errno);
      ::close(tcp);
      ::close(udp);
      throw std::runtime_error("zk-sim: cannot bind TCP " + server_.bind_address + ":" +
                               std::to_string(server_.port) + ": " + reason);
    }
    if (::bind(udp, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(tcp);
      ::close(udp);
      if (server_.port != 0) {
        throw std::runtime_error("zk-sim: cannot bind UDP port " + std::to_string(server_.port));
      }
      continue;
    }
    port_ = ntohs(address.sin_port);
    if (server_.tcp) {
      if (::listen(tcp, 16) != 0) {
        throw std::runtime_error("zk-sim: listen failed");
      }
      tcp_fd_ = tcp;
    } else {
      ::close(tcp);  // nothing listens: connects are refused with RST (§9 UDP fallback)
    }
    if (server_.udp) {
      udp_fd_ = udp;
    } else {
      ::close(udp);
    }
    return;
  }
  throw std::runtime_error("zk-sim: found no port free for both TCP and UDP");
}

void SimServer::start() {
  bindSockets();
  device_.setPunchListener([this](const zk::AttendanceRecord& record) { onPunch(record); });
  device_.setEventListener([this](const SimEvent& event) { return onEvent(event); });
  if (tcp_fd_ >= 0) {
    accept_thread_ = std::thread([this] { acceptLoop(); });
  }
  if (udp_fd_ >= 0) {
    udp_thread_ = std::thread([this] { udpLoop(); });
  }
}

void SimServer::stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  device_.setPunchListener({});
  device_.setEventListener({});
  if (accept_thread_.joinable()) {
    accept_thread_.join();
  }
  if (udp_thread_.joinable()) {
    udp_thread_.join();
  }
  std::vector<std::thread> threads;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& connection : connections_) {
      ::shutdown(connection->fd, SHUT_RDWR);
    }
    threads.swap(connection_threads_);
  }
  for (auto& thread : threads) {
    thread.join();
  }
  if (tcp_fd_ >= 0) {
    ::close(tcp_fd_);
  }
  if (udp_fd_ >= 0) {
    ::close(udp_fd_);
  }
}

std::size_t SimServer::sessionCount() const {
  const std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& connection : connections_) {
    count += connection->open && connection->connected ? 1U : 0U;
  }
  for (const auto& [key, peer] : udp_peers_) {
    const std::lock_guard peer_lock(peer->mutex);
    count += peer->session.connected() ? 1U : 0U;
  }
  return count;
}

std::uint16_t SimServer::newSessionId() {
  std::uint16_t id = 0;
  do {
    id = ++next_session_;
  } while (id == 0);  // PHP treats session 0 as a failed connect (§3.1)
  return id;
}

void SimServer::acceptLoop() {
  while (!stopping_) {
    pollfd pfd{tcp_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, kPollMs) <= 0) {
      continue;
    }
    const int fd = ::accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    // Each packet in its own segment, as the reference's §9 asks for node-zklib.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto connection = std::make_shared<Connection>(fd, device_, options_, newSessionId());
    const std::lock_guard lock(mutex_);
    connections_.push_back(connection);
    connection_threads_.emplace_back([this, connection] { serveConnection(connection); });
  }
}

bool SimServer::sendTcp(Connection& connection, const zk::Packet& packet) {
  zk::Bytes wire = zk::encodeTcpPacket(packet);
  if (device_.takeChecksumFault()) {
    wire[10] ^= 0x5A;  // checksum low byte, after the 8-byte envelope
  }
  std::size_t sent = 0;
  while (sent < wire.size()) {
    const ssize_t n = ::send(connection.fd, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  ++connection.replies_sent;
  const int drop_after = device_.faults().drop_after_packets;
  if (drop_after > 0 && connection.replies_sent >= drop_after) {
    ::shutdown(connection.fd, SHUT_RDWR);
    return false;
  }
  return true;
}

void SimServer::serveConnection(const std::shared_ptr<Connection>& connection) {
  zk::Bytes buffer;
  std::uint8_t chunk[65536];
  bool open = true;
  while (open && !stopping_) {
    pollfd pfd{connection->fd, POLLIN, 0};
    if (::poll(&pfd, 1, kPollMs) <= 0) {
      continue;
    }
    const ssize_t n = ::recv(connection->fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      break;
    }
    buffer.insert(buffer.end(), chunk, chunk + n);
    std::size_t offset = 0;
    while (open) {
      const auto result =
          zk::decodeTcpFrame(zk::ByteView(buffer).subspan(offset), options_.checksums);
      if (std::holds_alternative<zk::NeedMore>(result)) {
        break;
      }
      if (const auto* malformed = std::get_if<zk::Malformed>(&result)) {
        offset += malformed->skip;  // FW discards bad packets without a reply (§1.3, §1.5)
        continue;
      }
      const auto& decoded = std::get<zk::Decoded>(result);
      offset += decoded.consumed;
      const std::lock_guard lock(connection->send_mutex);
      const SessionOutput output = connection->session.handle(decoded.packet);
      connection->connected = connection->session.connected();
      for (const Outgoing& outgoing : output.replies) {
        if (outgoing.delay.count() > 0) {
          std::this_thread::sleep_for(outgoing.delay);
        }
        if (!sendTcp(*connection, outgoing.packet)) {
          open = false;
          break;
        }
      }
      if (output.close) {
        open = false;
      }
      while (open && !connection->session.inBulk() && !connection->pending_events.empty()) {
        open = sendTcp(*connection, connection->pending_events.front());
        connection->pending_events.pop_front();
      }
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(offset));
  }
  connection->open = false;
  ::close(connection->fd);
  {
    const std::lock_guard lock(mutex_);
    std::erase(connections_, connection);
  }
  sessionEnded();
}

void SimServer::sessionEnded() {
  // FW re-enables the device when the last session ends, so a client that crashed while the
  // device was disabled does not leave it disabled (§3.4).
  if (sessionCount() == 0) {
    device_.setEnabled(true);
  }
}

void SimServer::sendUdp(const sockaddr_in& to, const zk::Packet& packet) {
  zk::Bytes wire = zk::encodePacket(packet);
  if (device_.takeChecksumFault()) {
    wire[2] ^= 0x5A;
  }
  const std::lock_guard lock(udp_send_mutex_);
  ::sendto(udp_fd_, wire.data(), wire.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

void SimServer::udpLoop() {
  std::uint8_t datagram[zk::kMaxUdpRequest + 64];
  while (!stopping_) {
    pollfd pfd{udp_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, kPollMs) <= 0) {
      continue;
    }
    sockaddr_in from{};
    socklen_t from_length = sizeof from;
    const ssize_t n = ::recvfrom(udp_fd_, datagram, sizeof datagram, 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n <= 0 || static_cast<std::size_t>(n) > zk::kMaxUdpRequest) {
      continue;  // FW's receive buffer is 1032 bytes (§1.4)
    }
    auto packet =
        zk::decodeDatagram(zk::ByteView(datagram, static_cast<std::size_t>(n)), options_.checksums);
    if (!packet) {
      continue;
    }
    const std::string key = peerKey(from);
    UdpPeer* peer = nullptr;
    {
      const std::lock_guard lock(mutex_);
      auto& slot = udp_peers_[key];
      if (!slot) {
        slot = std::make_unique<UdpPeer>(from, device_, options_, newSessionId());
      }
      peer = slot.get();  // stays valid: only this thread erases peers
    }
    SessionOutput output;
    {
      const std::lock_guard lock(peer->mutex);
      output = peer->session.handle(*packet);
    }
    for (const Outgoing& outgoing : output.replies) {
      if (outgoing.delay.count() > 0) {
        std::this_thread::sleep_for(outgoing.delay);
      }
      sendUdp(peer->address, outgoing.packet);
    }
    if (output.close) {
      const std::lock_guard lock(mutex_);
      udp_peers_.erase(key);
    }
  }
}

void SimServer::onPunch(const zk::AttendanceRecord& record) {
  broadcast([&record](const SimSession& session) { return session.attendanceEvent(record); });
}

std::size_t SimServer::onEvent(const SimEvent& event) {
  const auto device_event = zkDeviceEvent(event);
  if (!device_event) {
    return 0;  // every type has a ZK form; kept for types added later
  }
  const std::size_t sent = broadcast(
      [&device_event](const SimSession& session) { return session.deviceEvent(*device_event); });
  event_packets_ += sent;
  return sent;
}

std::size_t SimServer::broadcast(
    const std::function<std::optional<zk::Packet>(const SimSession&)>& make) {
  std::size_t reached = 0;
  std::vector<std::shared_ptr<Connection>> connections;
  {
    const std::lock_guard lock(mutex_);
    connections = connections_;
  }
  for (const auto& connection : connections) {
    const std::lock_guard lock(connection->send_mutex);
    auto event = make(connection->session);
    if (!event || !connection->open) {
      continue;
    }
    ++reached;
    // Never during a bulk transfer: NODE would take the event for transfer data (§9).
    if (connection->session.inBulk()) {
      connection->pending_events.push_back(std::move(*event));
    } else {
      sendTcp(*connection, *event);
    }
  }
  std::vector<std::pair<sockaddr_in, zk::Packet>> udp_events;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [key, peer] : udp_peers_) {
      const std::lock_guard peer_lock(peer->mutex);
      if (auto event = make(peer->session)) {
        udp_events.emplace_back(peer->address, std::move(*event));
      }
    }
  }
  for (const auto& [to, packet] : udp_events) {
    sendUdp(to, packet);
  }
  return reached + udp_events.size();
}

}  // namespace punchlink::zksim
