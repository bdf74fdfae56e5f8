// Commands from the relay as the agent runs them: the message itself is the contract's
// (common/.../contract/command.hpp, which decodes and validates it); a terminal reports how it
// ended as a CommandOutcome.
#pragma once

#include <punchlink/contract/command.hpp>

#include <string>

namespace punchlink::agent {

using contract::Command;
using contract::CommandType;
using contract::commandTypeName;
using UserSpec = contract::UserParams;

// How a command ended on its terminal.
struct CommandOutcome {
  bool succeeded = false;
  std::string error;
  std::string result_json;  // optional details (e.g. the users read)
};

}  // namespace punchlink::agent
