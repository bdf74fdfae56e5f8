#include "command.hpp"

#include <punchlink/common/crypto.hpp>

#include <nlohmann/json.hpp>

namespace punchlink::agent {

namespace {

using nlohmann::json;

struct Invalid {
  std::string message;
};

std::string text(const json& object, const char* key, bool required) {
  if (!object.contains(key)) {
    if (required) {
      throw Invalid{std::string(key) + " is required"};
    }
    return {};
  }
  if (!object[key].is_string()) {
    throw Invalid{std::string(key) + " must be a string"};
  }
  return object[key].get<std::string>();
}

std::int64_t integer(const json& object,
                     const char* key,
                     std::int64_t fallback,
                     std::int64_t min,
                     std::int64_t max) {
  if (!object.contains(key)) {
    return fallback;
  }
  if (!object[key].is_number_integer()) {
    throw Invalid{std::string(key) + " must be an integer"};
  }
  const auto value = object[key].get<std::int64_t>();
  if (value < min || value > max) {
    throw Invalid{std::string(key) + " must be from " + std::to_string(min) + " to " +
                  std::to_string(max)};
  }
  return value;
}

UserSpec readUser(const json& params, bool templates_allowed) {
  UserSpec user;
  user.user_id = text(params, "user_id", true);
  if (user.user_id.empty() || user.user_id.size() > 23 || user.user_id == "0") {
    throw Invalid{"user_id must be 1-23 characters and not \"0\" (the terminal's limit)"};
  }
  user.name = text(params, "name", false);
  if (user.name.size() > 23) {
    throw Invalid{"name must be at most 23 bytes (the terminal's limit)"};
  }
  user.privilege = static_cast<std::uint8_t>(integer(params, "privilege", 0, 0, 14));
  user.password = text(params, "password", false);
  if (user.password.size() > 8) {
    throw Invalid{"password must be at most 8 characters"};
  }
  user.card = static_cast<std::uint32_t>(integer(params, "card", 0, 0, 0xFFFFFFFFLL));
  if (!params.contains("templates")) {
    return user;
  }
  if (!templates_allowed || !params["templates"].is_array()) {
    throw Invalid{"templates must be a list of {index, data}"};
  }
  for (std::size_t i = 0; i < params["templates"].size(); ++i) {
    const json& item = params["templates"][i];
    const std::string where = "templates[" + std::to_string(i) + "].";
    if (!item.is_object()) {
      throw Invalid{where + " must be an object"};
    }
    zk::TemplateRecord tmpl;
    tmpl.finger = static_cast<std::uint8_t>(integer(item, "index", 0, 0, 9));
    auto data = crypto::base64Decode(text(item, "data", true));
    if (!data) {
      throw Invalid{where + "data: " + data.error().message};
    }
    if (data->empty() || data->size() > zk::kMaxTemplateSize) {
      throw Invalid{where + "data must be 1 to " + std::to_string(zk::kMaxTemplateSize) + " bytes"};
    }
    tmpl.data = std::move(data.value());
    user.templates.push_back(std::move(tmpl));
  }
  return user;
}

std::optional<UtcSeconds> readTime(const json& object, const char* key) {
  const std::string value = text(object, key, false);
  if (value.empty()) {
    return std::nullopt;
  }
  auto parsed = parseRfc3339(value);
  if (!parsed) {
    throw Invalid{std::string(key) + ": " + parsed.error().message};
  }
  return std::chrono::floor<std::chrono::seconds>(*parsed);
}

// {"options": {"Key": "value", ...}}: keys as the terminal names them; values are strings or
// integers. The codec checks the characters when the command is encoded.
std::vector<std::pair<std::string, std::string>> readOptions(const json& params) {
  if (!params.contains("options") || !params["options"].is_object() || params["options"].empty()) {
    throw Invalid{"set_options needs params.options, an object of option names and values"};
  }
  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& [key, value] : params["options"].items()) {
    if (value.is_string()) {
      options.emplace_back(key, value.get<std::string>());
    } else if (value.is_number_integer()) {
      options.emplace_back(key, std::to_string(value.get<std::int64_t>()));
    } else {
      throw Invalid{"options." + key + " must be a string or an integer"};
    }
  }
  return options;
}

}  // namespace

std::string commandTypeName(CommandType type) {
  switch (type) {
    case CommandType::EnrollUser:
      return "enroll_user";
    case CommandType::UpdateUser:
      return "update_user";
    case CommandType::DeleteUser:
      return "delete_user";
    case CommandType::SetTime:
      return "set_time";
    case CommandType::Unlock:
      return "unlock";
    case CommandType::Restart:
      return "restart";
    case CommandType::ReadUsers:
      return "read_users";
    case CommandType::ClearAttendance:
      return "clear_attendance";
    case CommandType::QueryLogs:
      return "query_logs";
    case CommandType::SetOptions:
      return "set_options";
  }
  return "unknown";
}

Result<Command> parseCommand(std::string_view payload) {
  const json doc = json::parse(payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return makeError(ErrorCode::InvalidInput, "command payload is not a JSON object");
  }
  Command command;
  try {
    command.command_id = text(doc, "command_id", true);
    if (command.command_id.empty() || command.command_id.size() > 128) {
      throw Invalid{"command_id must be 1-128 characters"};
    }
    command.device = text(doc, "device", true);
    command.expires_at = readTime(doc, "expires_at");
    const std::string type = text(doc, "type", true);
    command.type_text = type;
    const json params = doc.contains("params") ? doc["params"] : json::object();
    if (!params.is_object()) {
      throw Invalid{"params must be an object"};
    }
    if (type == "enroll_user" || type == "update_user") {
      command.type = type == "enroll_user" ? CommandType::EnrollUser : CommandType::UpdateUser;
      command.user = readUser(params, true);
    } else if (type == "delete_user") {
      command.type = CommandType::DeleteUser;
      command.user.user_id = text(params, "user_id", true);
    } else if (type == "set_time") {
      command.type = CommandType::SetTime;
      command.time = readTime(params, "time");
    } else if (type == "unlock") {
      command.type = CommandType::Unlock;
      command.unlock_for = std::chrono::seconds{integer(params, "seconds", 5, 1, 60)};
    } else if (type == "restart") {
      command.type = CommandType::Restart;
    } else if (type == "read_users") {
      command.type = CommandType::ReadUsers;
    } else if (type == "clear_attendance") {
      command.type = CommandType::ClearAttendance;
      // Clearing a terminal's log destroys its copy of every punch: only on explicit request.
      if (!params.contains("confirm") || params["confirm"] != true) {
        throw Invalid{"clear_attendance needs params.confirm = true"};
      }
    } else if (type == "query_logs") {
      command.type = CommandType::QueryLogs;
      command.from = readTime(params, "from");
      command.to = readTime(params, "to");
      if (!command.from || !command.to || *command.to < *command.from) {
        throw Invalid{"query_logs needs params.from and params.to (RFC 3339), from <= to"};
      }
    } else if (type == "set_options") {
      command.type = CommandType::SetOptions;
      command.options = readOptions(params);
    } else {
      throw Invalid{"type \"" + type +
                    "\" is not one of enroll_user, update_user, delete_user, set_time, unlock, "
                    "restart, read_users, clear_attendance, query_logs, set_options"};
    }
  } catch (const Invalid& invalid) {
    return makeError(ErrorCode::InvalidInput, "invalid command: " + invalid.message,
                     command.command_id);
  }
  return command;
}

std::string commandResultJson(const std::string& command_id,
                              const std::string& device,
                              const std::string& type,
                              bool succeeded,
                              const std::string& error,
                              const std::string& result_json,
                              UtcSeconds finished_at) {
  nlohmann::ordered_json out = {{"command_id", command_id},
                                {"device", device},
                                {"type", type},
                                {"status", succeeded ? "succeeded" : "failed"}};
  if (!error.empty()) {
    out["error"] = error;
  }
  if (!result_json.empty()) {
    out["result"] = nlohmann::ordered_json::parse(result_json, nullptr, false);
  }
  out["finished_at"] = formatRfc3339(finished_at);
  return out.dump();
}

}  // namespace punchlink::agent
