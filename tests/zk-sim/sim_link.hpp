// The emulated terminal reached in-process: ZkLinks that hand each request straight to a
// SimSession and return its replies and events, with no sockets and no sleeps; the pauses it asks
// for pass on a ManualClock, so a reply slower than the client's timeout times out as on the wire.
#pragma once

#include "sim_device.hpp"
#include "sim_session.hpp"
#include "zk_net/zk_link.hpp"

#include <punchlink/testing/manual_clock.hpp>

#include <cstddef>
#include <memory>

namespace punchlink::zksim {

// One terminal, any number of links to it (one SimSession each, as one TCP connection or UDP
// peer of SimServer). Faults armed on the device apply as SimServer applies them: corrupted
// checksums make the client's decoder drop the reply, drop_after_packets closes a TCP link,
// refuse_auth and delay_ms act in the session. Thread-safe: a test thread may punch while a
// client thread waits in receive(). New punches (device.addPunch) and device events
// (device.addEvent) become real-time events on every link whose session registered for them.
// `device` and `clock` must outlive it; links may, and then act as a connection the terminal
// closed.
class SimLinks {
 public:
  SimLinks(SimDevice& device,
           testing::ManualClock& clock,
           SimOptions options = {},
           Transport transport = Transport::Tcp);
  ~SimLinks();
  SimLinks(const SimLinks&) = delete;
  SimLinks& operator=(const SimLinks&) = delete;
  SimLinks(SimLinks&&) = delete;
  SimLinks& operator=(SimLinks&&) = delete;

  // For ZkClient: every call is a new connection to the terminal.
  agent::zk_net::ZkLinkFactory factory();

  // While false, connecting fails as a refused TCP connection does (Unavailable).
  void setReachable(bool reachable);
  // Closes every open link from the terminal's side, as a reboot or a cable pull does.
  void dropAll();

  std::size_t connects() const;
  std::size_t openLinks() const;

 private:
  struct Hub;
  class Link;

  std::shared_ptr<Hub> hub_;
};

}  // namespace punchlink::zksim
