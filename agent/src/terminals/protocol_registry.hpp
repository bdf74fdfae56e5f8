// A set of terminal protocols, by name; the config parser and the app only iterate one. Which
// protocols the agent ships with is app/builtin_protocols.cpp's list, not this folder's.
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

}  // namespace punchlink::agent
