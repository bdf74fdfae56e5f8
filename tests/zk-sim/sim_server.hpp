// The emulator's network shell: TCP and UDP on the same port number, as terminals do. Each TCP
// connection gets a thread and a SimSession; UDP sessions are keyed by the sender's address.
// New punches and device events become real-time events for every session that registered for
// them.
#pragma once

#include "sim_device.hpp"
#include "sim_session.hpp"

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace punchlink::zksim {

struct ServerOptions {
  std::uint16_t port = 0;  // 0: pick a free port (the same number for TCP and UDP)
  bool tcp = true;         // off: the TCP port refuses connections, for UDP-fallback tests
  bool udp = true;
  std::string bind_address = "127.0.0.1";
};

class SimServer {
 public:
  SimServer(SimDevice& device, SimOptions options, ServerOptions server);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;
  SimServer(SimServer&&) = delete;
  SimServer& operator=(SimServer&&) = delete;

  // Binds and starts serving; throws std::runtime_error if the port cannot be bound.
  void start();
  void stop();

  std::uint16_t port() const noexcept { return port_; }

  std::size_t sessionCount() const;

  // Device event packets sent or queued to sessions so far.
  std::uint64_t eventPacketCount() const noexcept { return event_packets_; }

 private:
  struct Connection;
  struct UdpPeer;

  void bindSockets();
  void acceptLoop();
  void serveConnection(const std::shared_ptr<Connection>& connection);
  void udpLoop();
  void onPunch(const zk::AttendanceRecord& record);
  std::size_t onEvent(const SimEvent& event);
  // Sends what `make` returns for each session (queued while it is in a bulk transfer); returns
  // to how many sessions.
  std::size_t broadcast(const std::function<std::optional<zk::Packet>(const SimSession&)>& make);
  bool sendTcp(Connection& connection, const zk::Packet& packet);
  void sendUdp(const sockaddr_in& to, const zk::Packet& packet);
  std::uint16_t newSessionId();
  void sessionEnded();

  SimDevice& device_;
  SimOptions options_;
  ServerOptions server_;
  std::uint16_t port_ = 0;
  int tcp_fd_ = -1;
  int udp_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::thread udp_thread_;

  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::vector<std::thread> connection_threads_;
  std::map<std::string, std::unique_ptr<UdpPeer>> udp_peers_;
  std::mutex udp_send_mutex_;
  std::atomic<std::uint16_t> next_session_{0};
  std::atomic<std::uint64_t> event_packets_{0};
};

}  // namespace punchlink::zksim
