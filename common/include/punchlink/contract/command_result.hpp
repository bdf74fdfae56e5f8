// The outcome of a command, from the agent to the relay (docs/mqtt-contract.md
// "command-results"). Pure.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace punchlink::contract {

inline constexpr std::size_t kMaxCommandErrorLength = 2000;

struct CommandResult {
  std::string command_id;  // empty when the command had none (a malformed payload)
  std::string device;
  std::string type;  // the type as the command named it, even one the agent does not know
  bool succeeded = false;
  std::string error;        // why it failed; empty on success
  std::string result_json;  // optional details as JSON text (e.g. the users read); may be empty
  std::optional<UtcSeconds> finished_at;

  friend bool operator==(const CommandResult&, const CommandResult&) = default;
};

// Keys: command_id, device, type, status ("succeeded" | "failed"), error?, result?, finished_at.
std::string encodeCommandResult(const CommandResult& result);

// InvalidInput unless command_id is a string of 1-128 characters and status is succeeded or
// failed; an error longer than kMaxCommandErrorLength is cut there.
Result<CommandResult> decodeCommandResult(std::string_view payload);

}  // namespace punchlink::contract
