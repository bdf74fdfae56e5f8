// Commands from the relay (docs/mqtt-contract.md): parsing and validation of the JSON payload,
// and the JSON of a result. Pure; malformed payloads give an error naming the field.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::agent {

enum class CommandType {
  EnrollUser,
  UpdateUser,
  DeleteUser,
  SetTime,
  Unlock,
  Restart,
  ReadUsers,
  ClearAttendance,
  QueryLogs,   // push terminals: upload the records of a time range again
  SetOptions,  // push terminals: SET OPTION, one key per command
};

struct UserSpec {
  std::string user_id;
  std::string name;
  std::uint8_t privilege = 0;
  std::string password;
  std::uint32_t card = 0;
  std::vector<zk::TemplateRecord> templates;  // uid filled in when written
};

struct Command {
  std::string command_id;
  std::string device;  // serial or configured name
  CommandType type = CommandType::Unlock;
  std::string type_text;  // as received, for results of commands that could not be parsed
  std::optional<UtcSeconds> expires_at;
  UserSpec user;                   // enroll/update/delete
  std::optional<UtcSeconds> time;  // set_time; now when absent
  std::chrono::seconds unlock_for{5};
  std::optional<UtcSeconds> from;  // query_logs
  std::optional<UtcSeconds> to;
  std::vector<std::pair<std::string, std::string>> options;  // set_options, in key order
};

// How a command ended on its terminal.
struct CommandOutcome {
  bool succeeded = false;
  std::string error;
  std::string result_json;  // optional details (e.g. the users read)
};

// Errors carry the command id (when present) in `hint` so a failure result can name it.
Result<Command> parseCommand(std::string_view payload);

std::string commandTypeName(CommandType type);

// {"command_id","device","type","status":"succeeded"|"failed","error"?,"result"?,"finished_at"}
std::string commandResultJson(const std::string& command_id,
                              const std::string& device,
                              const std::string& type,
                              bool succeeded,
                              const std::string& error,
                              const std::string& result_json,
                              UtcSeconds finished_at);

}  // namespace punchlink::agent
