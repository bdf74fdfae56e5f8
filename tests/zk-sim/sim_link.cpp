#include "sim_link.hpp"

#include <punchlink/zk/zk_packet.hpp>

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace punchlink::zksim {

namespace {

using agent::zk_net::Deadline;
using SteadyTime = std::chrono::steady_clock::time_point;

Error timedOut() {
  return makeError(ErrorCode::DeadlineExceeded, "terminal did not answer in time (in-process)",
                   "check that the terminal is powered, reachable and not busy");
}

}  // namespace

struct SimLinks::Hub {
  Hub(SimDevice& sim_device,
      testing::ManualClock& manual_clock,
      SimOptions sim_options,
      Transport sim_transport)
      : device(sim_device), clock(manual_clock), options(sim_options), transport(sim_transport) {}

  // Moves the manual clock forward to `until`; never back.
  void advanceTo(SteadyTime until) const {
    const auto now = clock.steadyNow();
    if (until > now) {
      clock.advance(std::chrono::ceil<std::chrono::milliseconds>(until - now));
    }
  }

  SimDevice& device;
  testing::ManualClock& clock;
  const SimOptions options;  // SimSession keeps a reference: it must not move
  const Transport transport;

  std::mutex mutex;  // guards everything below and every link's state
  bool alive = true;
  bool reachable = true;
  std::size_t connects = 0;
  std::uint16_t next_session = 0x3A00;
  std::vector<Link*> links;
};

class SimLinks::Link final : public agent::zk_net::ZkLink {
 public:
  Link(std::shared_ptr<Hub> hub, std::uint16_t session_id)
      : hub_(std::move(hub)), session_(hub_->device, hub_->options, hub_->transport, session_id) {
    hub_->links.push_back(this);  // the caller holds hub_->mutex
  }

  ~Link() override {
    const std::lock_guard lock(hub_->mutex);
    closeLocked();
  }

  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;
  Link(Link&&) = delete;
  Link& operator=(Link&&) = delete;

  Status send(const zk::Packet& packet) override {
    const std::lock_guard lock(hub_->mutex);
    if (closed_ || !hub_->alive) {
      return makeError(ErrorCode::Unavailable, "connection to the terminal is closed");
    }
    if (peer_closed_) {
      return {};  // the bytes go out; the reset shows on the next receive
    }
    // Through the codec both ways, as over a socket, so checksum policy and faults apply.
    const auto request = decodeOnTerminal(packet);
    if (!request) {
      return {};  // FW discards bad packets without a reply (§1.3, §1.5)
    }
    const SessionOutput output = session_.handle(*request);
    auto at = hub_->clock.steadyNow();
    for (const Outgoing& outgoing : output.replies) {
      at += outgoing.delay;  // the server sleeps before each packet
      deliver(outgoing.packet, at);
      if (peer_closed_) {
        break;
      }
    }
    if (output.close && hub_->transport == Transport::Tcp) {
      peer_closed_ = true;
    }
    flushEvents();
    return {};
  }

  Result<zk::Packet> receive(Deadline deadline) override {
    const std::lock_guard lock(hub_->mutex);
    if (closed_) {
      return makeError(ErrorCode::Unavailable, "connection to the terminal is closed");
    }
    if (!inbox_.empty()) {
      if (inbox_.front().at > deadline) {
        hub_->advanceTo(deadline);
        return timedOut();
      }
      hub_->advanceTo(inbox_.front().at);
      zk::Packet packet = std::move(inbox_.front().packet);
      inbox_.pop_front();
      return packet;
    }
    if (peer_closed_ || !hub_->alive) {
      return makeError(ErrorCode::Unavailable, "the terminal closed the connection");
    }
    hub_->advanceTo(deadline);
    return timedOut();
  }

  void close() override {
    const std::lock_guard lock(hub_->mutex);
    closeLocked();
  }

  std::uint64_t malformedCount() const override {
    const std::lock_guard lock(hub_->mutex);
    return malformed_;
  }

  // The rest runs with hub_->mutex held.

  void onPunch(const zk::AttendanceRecord& record) {
    if (closed_ || peer_closed_) {
      return;
    }
    if (auto event = session_.attendanceEvent(record)) {
      pending_events_.push_back(std::move(*event));
      flushEvents();
    }
  }

  bool onDeviceEvent(const zk::DeviceEvent& event) {
    if (closed_ || peer_closed_) {
      return false;
    }
    auto packet = session_.deviceEvent(event);
    if (!packet) {
      return false;
    }
    pending_events_.push_back(std::move(*packet));
    flushEvents();
    return true;
  }

  void dropFromTerminal() { peer_closed_ = true; }

  bool open() const { return !closed_ && !peer_closed_; }

 private:
  struct Arrival {
    zk::Packet packet;
    SteadyTime at;
  };

  std::optional<zk::Packet> decodeOnTerminal(const zk::Packet& packet) const {
    if (hub_->transport == Transport::Tcp) {
      const zk::Bytes wire = zk::encodeTcpPacket(packet);
      auto frame = zk::decodeTcpFrame(wire, hub_->options.checksums);
      if (auto* decoded = std::get_if<zk::Decoded>(&frame)) {
        return std::move(decoded->packet);
      }
      return std::nullopt;
    }
    const zk::Bytes wire = zk::encodePacket(packet);
    if (wire.size() > zk::kMaxUdpRequest) {
      return std::nullopt;  // FW's receive buffer is 1032 bytes (§1.4)
    }
    auto decoded = zk::decodeDatagram(wire, hub_->options.checksums);
    return decoded ? std::optional<zk::Packet>(std::move(decoded.value())) : std::nullopt;
  }

  // Sends one packet from the terminal, as SimServer's sendTcp/sendUdp do.
  void deliver(const zk::Packet& packet, SteadyTime at) {
    const bool tcp = hub_->transport == Transport::Tcp;
    zk::Bytes wire = tcp ? zk::encodeTcpPacket(packet) : zk::encodePacket(packet);
    if (hub_->device.takeChecksumFault()) {
      wire[tcp ? 10 : 2] ^= 0x5A;  // checksum low byte
    }
    // The client side of the wire: its decoder drops what fails the checksum (counted).
    std::optional<zk::Packet> received;
    if (tcp) {
      auto frame = zk::decodeTcpFrame(wire);
      if (auto* decoded = std::get_if<zk::Decoded>(&frame)) {
        received = std::move(decoded->packet);
      }
    } else if (auto decoded = zk::decodeDatagram(wire)) {
      received = std::move(decoded.value());
    }
    if (received) {
      // One stream: a packet never overtakes the one before it.
      const SteadyTime arrival = inbox_.empty() ? at : std::max(at, inbox_.back().at);
      inbox_.push_back({std::move(*received), arrival});
    } else {
      ++malformed_;
    }
    ++replies_sent_;
    const int drop_after = hub_->device.faults().drop_after_packets;
    if (tcp && drop_after > 0 && replies_sent_ >= drop_after) {
      peer_closed_ = true;
    }
  }

  // Events wait while a bulk transfer is under way (§9), as in SimServer.
  void flushEvents() {
    while (!peer_closed_ && !session_.inBulk() && !pending_events_.empty()) {
      deliver(pending_events_.front(), hub_->clock.steadyNow());
      pending_events_.pop_front();
    }
  }

  void closeLocked() {
    if (closed_) {
      return;
    }
    closed_ = true;
    std::erase(hub_->links, this);
    // FW re-enables the device when the last session ends (§3.4).
    if (hub_->alive && std::none_of(hub_->links.begin(), hub_->links.end(),
                                    [](const Link* link) { return link->open(); })) {
      hub_->device.setEnabled(true);
    }
  }

  std::shared_ptr<Hub> hub_;
  SimSession session_;
  std::deque<Arrival> inbox_;
  std::deque<zk::Packet> pending_events_;
  bool closed_ = false;       // by the client
  bool peer_closed_ = false;  // by the terminal: what was sent is still read, then Unavailable
  int replies_sent_ = 0;
  std::uint64_t malformed_ = 0;
};

SimLinks::SimLinks(SimDevice& device,
                   testing::ManualClock& clock,
                   SimOptions options,
                   Transport transport)
    : hub_(std::make_shared<Hub>(device, clock, options, transport)) {
  // The listener runs on whichever thread punches; it only queues events.
  device.setPunchListener([hub = hub_](const zk::AttendanceRecord& record) {
    const std::lock_guard lock(hub->mutex);
    for (Link* link : hub->links) {
      link->onPunch(record);
    }
  });
  device.setEventListener([hub = hub_](const SimEvent& event) -> std::size_t {
    const auto device_event = zkDeviceEvent(event);
    if (!device_event) {
      return 0;
    }
    const std::lock_guard lock(hub->mutex);
    std::size_t reached = 0;
    for (Link* link : hub->links) {
      reached += link->onDeviceEvent(*device_event) ? 1U : 0U;
    }
    return reached;
  });
}

SimLinks::~SimLinks() {
  hub_->device.setPunchListener({});
  hub_->device.setEventListener({});
  const std::lock_guard lock(hub_->mutex);
  hub_->alive = false;
  for (Link* link : hub_->links) {
    link->dropFromTerminal();
  }
}

agent::zk_net::ZkLinkFactory SimLinks::factory() {
  return [hub = hub_](agent::zk_net::ZkTransport transport, const std::string& host,
                      std::uint16_t port,
                      std::chrono::milliseconds) -> Result<agent::zk_net::ZkLinkPtr> {
    const std::lock_guard lock(hub->mutex);
    const bool tcp = transport == agent::zk_net::ZkTransport::Tcp;
    if (!hub->alive || !hub->reachable || tcp != (hub->transport == Transport::Tcp)) {
      return makeError(ErrorCode::Unavailable,
                       "cannot connect to terminal " + host + ":" + std::to_string(port) +
                           (tcp ? " (TCP)" : " (UDP)") + ": Connection refused (in-process)");
    }
    ++hub->connects;
    const std::uint16_t session_id = hub->next_session++;
    return agent::zk_net::ZkLinkPtr(std::make_unique<Link>(hub, session_id));
  };
}

void SimLinks::setReachable(bool reachable) {
  const std::lock_guard lock(hub_->mutex);
  hub_->reachable = reachable;
}

void SimLinks::dropAll() {
  const std::lock_guard lock(hub_->mutex);
  for (Link* link : hub_->links) {
    link->dropFromTerminal();
  }
}

std::size_t SimLinks::connects() const {
  const std::lock_guard lock(hub_->mutex);
  return hub_->connects;
}

std::size_t SimLinks::openLinks() const {
  const std::lock_guard lock(hub_->mutex);
  return static_cast<std::size_t>(std::count_if(hub_->links.begin(), hub_->links.end(),
                                                [](const Link* link) { return link->open(); }));
}

}  // namespace punchlink::zksim
