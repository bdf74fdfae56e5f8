#include "builtin_protocols.hpp"

#include "push/push_protocol.hpp"
#include "zk_terminal/zk_protocol.hpp"

namespace punchlink::agent {

const ProtocolRegistry& builtinProtocols() {
  // Listed here, not registered by static initializers in each folder: the linker drops object
  // files of a static library that nothing references, and their order would be unspecified.
  static const ProtocolRegistry registry = [] {
    ProtocolRegistry protocols;
    protocols.add(zk_terminal::makeZkProtocol());  // first: the default
    protocols.add(makePushProtocol());
    return protocols;
  }();
  return registry;
}

Result<AgentConfig> loadAgentConfig(const std::string& path) {
  return loadAgentConfig(path, builtinProtocols());
}

Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc) {
  return parseAgentConfig(doc, builtinProtocols());
}

std::string describeAgentConfig(const AgentConfig& config) {
  return describeAgentConfig(config, builtinProtocols());
}

}  // namespace punchlink::agent
