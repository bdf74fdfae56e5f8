#include "protocol_registry.hpp"

#include <stdexcept>

namespace punchlink::agent {

void ProtocolRegistry::add(TerminalProtocolPtr protocol) {
  if (!protocol || find(protocol->name()) != nullptr) {
    throw std::logic_error("terminal protocols need distinct names");
  }
  protocols_.push_back(std::move(protocol));
}

const TerminalProtocol* ProtocolRegistry::find(std::string_view name) const {
  for (const auto& protocol : protocols_) {
    if (protocol->name() == name) {
      return protocol.get();
    }
  }
  return nullptr;
}

const TerminalProtocol& ProtocolRegistry::defaultProtocol() const {
  if (protocols_.empty()) {
    throw std::logic_error("no terminal protocol is registered");
  }
  return *protocols_.front();
}

std::vector<std::string> ProtocolRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& protocol : protocols_) {
    out.emplace_back(protocol->name());
  }
  return out;
}

}  // namespace punchlink::agent
