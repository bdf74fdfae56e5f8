#include "terminal_protocol.hpp"

namespace punchlink::agent {

ProtocolSettingsPtr TerminalProtocol::parseSection(config::YamlMap*) const { return nullptr; }

}  // namespace punchlink::agent
