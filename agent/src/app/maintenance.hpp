// One-off operations the command line runs on the agent's state instead of starting the agent.
#pragma once

#include "config/agent_config.hpp"

#include <punchlink/common/result.hpp>

#include <string>

namespace punchlink::agent {

// Forgets the address push terminal `serial` is pinned to, in the outbox of `config`
// (docs/push-terminals.md#address-pinning), so its next request pins the address it comes from.
// Safe while the agent runs: terminals read their pin on every request. Returns a line for the
// operator. Errors: a serial that is not one, no outbox at outbox.path, a database error.
Result<std::string> releasePushPin(const AgentConfig& config, const std::string& serial);

}  // namespace punchlink::agent
