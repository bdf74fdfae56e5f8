// Push (ADMS/iclock) as a terminal protocol: devices with `protocol: push` and the `push:`
// section; one PushListener serves them all (and discovers unknown ones when allowed).
#pragma once

#include "terminals/terminal_protocol.hpp"

#include <string_view>

namespace punchlink::agent {

inline constexpr std::string_view kPushProtocolName = "push";

TerminalProtocolPtr makePushProtocol();

}  // namespace punchlink::agent
