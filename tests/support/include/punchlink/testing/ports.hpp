// Loopback ports for servers started by tests. The kernel picks a free port (bind to 0); the
// caller then starts its server there and must retry with a new port if that bind races.
#pragma once

#include <chrono>
#include <cstdint>

namespace punchlink::testing {

std::uint16_t freeLoopbackPort();

// True once something accepts TCP connections on 127.0.0.1:port.
bool canConnect(std::uint16_t port);

bool waitForPort(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace punchlink::testing
