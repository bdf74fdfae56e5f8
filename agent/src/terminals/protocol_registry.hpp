// The terminal protocols the agent speaks, by name. builtinProtocols() is the list the agent
// ships with; adding a protocol is a folder of its own plus one line in protocol_registry.cpp.
#pragma once

#include "terminals/terminal_protocol.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace punchlink::agent {

class ProtocolRegistry {
 public:
  // The first protocol added is the default of a device without `protocol:`.
  void add(TerminalProtocolPtr protocol);

  // nullptr for a name no protocol has.
  const TerminalProtocol* find(std::string_view name) const;
  const TerminalProtocol& defaultProtocol() const;
  std::vector<std::string> names() const;

  const std::vector<TerminalProtocolPtr>& all() const noexcept { return protocols_; }

 private:
  std::vector<TerminalProtocolPtr> protocols_;
};

// ZK binary (the default) and push. Built once, never changed; safe from any thread.
const ProtocolRegistry& builtinProtocols();

}  // namespace punchlink::agent
