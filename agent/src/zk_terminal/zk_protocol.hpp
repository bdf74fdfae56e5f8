// The ZK binary protocol as a terminal protocol: devices with `protocol: zk` (the default), one
// DeviceSession each, reached through zk_net.
#pragma once

#include "terminals/terminal_protocol.hpp"
#include "zk_net/zk_link.hpp"

namespace punchlink::agent::zk_terminal {

// `connect` opens the links of every session (tests hand in an emulated terminal).
TerminalProtocolPtr makeZkProtocol(zk_net::ZkLinkFactory connect = zk_net::connectZkLink);

}  // namespace punchlink::agent::zk_terminal
