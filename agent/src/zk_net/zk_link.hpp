// ZkLink: moves ZK packets over TCP or UDP with deadlines. The thin I/O shell around the codec:
// framing and checksums come from punchlink/zk/zk_packet.hpp, nothing here knows commands.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/zk/zk_packet.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace punchlink::agent::zk_net {

enum class ZkTransport { Tcp, Udp };

// A point on the steady timeline of the caller's Clock (Clock::steadyNow()).
using Deadline = std::chrono::steady_clock::time_point;

class ZkLink {
 public:
  virtual ~ZkLink() = default;
  virtual Status send(const zk::Packet& packet) = 0;
  // The next well-formed packet, or DeadlineExceeded / Unavailable (connection closed).
  // Malformed input (bad checksum, garbage) is skipped and counted, never returned.
  virtual Result<zk::Packet> receive(Deadline deadline) = 0;
  virtual void close() = 0;
  virtual std::uint64_t malformedCount() const = 0;
};

using ZkLinkPtr = std::unique_ptr<ZkLink>;

// Connects within `timeout`; errors name the address and say what to check. Its links wait on
// sockets in real time, so the deadlines given to them must come from the system clock.
Result<ZkLinkPtr> connectZkLink(ZkTransport transport,
                                const std::string& host,
                                std::uint16_t port,
                                std::chrono::milliseconds timeout);

// How a client opens its link: connectZkLink on the network; tests hand in an emulated
// terminal instead (tests/zk-sim/sim_link.hpp).
using ZkLinkFactory = std::function<Result<ZkLinkPtr>(ZkTransport transport,
                                                      const std::string& host,
                                                      std::uint16_t port,
                                                      std::chrono::milliseconds timeout)>;

}  // namespace punchlink::agent::zk_net
