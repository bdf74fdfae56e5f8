// The terminal protocols this agent ships with, and config loading with them. The one place that
// names every protocol: adding one is a line in builtin_protocols.cpp (docs/architecture.md).
#pragma once

#include "config/agent_config.hpp"
#include "terminals/protocol_registry.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <string>

namespace punchlink::agent {

// ZK binary (the default) and push. Built once, never changed; safe from any thread.
const ProtocolRegistry& builtinProtocols();

// loadAgentConfig, parseAgentConfig and describeAgentConfig (config/agent_config.hpp) with
// builtinProtocols(): how the program reads and prints its config.
Result<AgentConfig> loadAgentConfig(const std::string& path);
Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc);
std::string describeAgentConfig(const AgentConfig& config);

}  // namespace punchlink::agent
