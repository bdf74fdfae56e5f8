#include "json_fields.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/contract/command.hpp>

#include <algorithm>
#include <array>

namespace punchlink::contract {

namespace {

using detail::FieldReader;
using detail::json;
using nlohmann::ordered_json;

struct TypeName {
  CommandType type;
  std::string_view name;
};

constexpr std::array<TypeName, 11> kTypes = {{
    {CommandType::EnrollUser, "enroll_user"},
    {CommandType::UpdateUser, "update_user"},
    {CommandType::DeleteUser, "delete_user"},
    {CommandType::SetTime, "set_time"},
    {CommandType::Unlock, "unlock"},
    {CommandType::Restart, "restart"},
    {CommandType::ReadUsers, "read_users"},
    {CommandType::ClearAttendance, "clear_attendance"},
    {CommandType::ReadLog, "read_log"},
    {CommandType::SetOptions, "set_options"},
    {CommandType::SyncTime, "sync_time"},
}};

constexpr std::array<std::pair<ClockPolicy, std::string_view>, 3> kClockPolicies = {{
    {ClockPolicy::Off, "off"},
    {ClockPolicy::Alert, "alert"},
    {ClockPolicy::Auto, "auto"},
}};

constexpr std::array<CommandType, kTypes.size()> kTypeOrder = [] {
  std::array<CommandType, kTypes.size()> order{};
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    order[i] = kTypes[i].type;
  }
  return order;
}();

std::string typeList() {
  std::string names;
  for (const auto& entry : kTypes) {
    names += (names.empty() ? "" : ", ") + std::string(entry.name);
  }
  return names;
}

std::string formatTime(const std::optional<UtcSeconds>& time) {
  return time ? formatRfc3339(*time) : std::string();
}

ordered_json userJson(const UserParams& user) {
  ordered_json templates = ordered_json::array();
  for (const auto& tmpl : user.templates) {
    ordered_json item = {{"index", tmpl.finger}, {"data", crypto::base64Encode(tmpl.data)}};
    if (tmpl.valid != 1) {
      item["valid"] = tmpl.valid;  // duress fingers; plain ones leave it out
    }
    templates.push_back(std::move(item));
  }
  return {{"user_id", user.user_id},   {"name", user.name}, {"privilege", user.privilege},
          {"password", user.password}, {"card", user.card}, {"templates", std::move(templates)}};
}

UserParams readUser(FieldReader& params, bool templates_allowed) {
  UserParams user;
  user.user_id = params.text("user_id", 64, true);
  if (params.ok() && !isValidUserId(user.user_id)) {
    params.fail("user_id must be 1-23 characters and not \"0\" (the terminal's limit)");
  }
  user.name = params.text("name", 200);
  if (user.name.size() > kMaxUserNameBytes) {
    params.fail("name must be at most 23 bytes (the terminal's limit)");
  }
  const auto privilege = params.integer("privilege", 0, 14, 0);
  if (!isValidPrivilege(privilege)) {
    params.fail("privilege must be 0 (user), 2 (enroller), 6 (manager) or 14 (admin)");
  }
  user.privilege = static_cast<std::uint8_t>(privilege);
  user.password = params.text("password", 64);
  if (user.password.size() > kMaxPasswordLength) {
    params.fail("password must be at most 8 characters");
  }
  user.card = static_cast<std::uint32_t>(params.integer("card", 0, kMaxCard, 0));
  const auto templates = params.object().find("templates");
  if (templates == params.object().end() || templates->is_null()) {
    return user;
  }
  if (!templates_allowed || !templates->is_array() || templates->size() > kMaxTemplates) {
    params.fail("templates must be a list of at most 10 {index, data}");
    return user;
  }
  for (std::size_t i = 0; i < templates->size() && params.ok(); ++i) {
    const json& item = (*templates)[i];
    const std::string where = "templates[" + std::to_string(i) + "].";
    if (!item.is_object()) {
      params.fail(where + " must be an object");
      break;
    }
    FieldReader fields(item);
    FingerTemplate tmpl;
    tmpl.finger = static_cast<std::uint8_t>(fields.integer("index", 0, kMaxFingerIndex, 0));
    tmpl.valid = static_cast<std::uint8_t>(fields.integer("valid", 0, 3, 1));
    const std::string data = fields.text("data", kMaxTemplateBytes * 2, true);
    if (!fields.ok()) {
      params.fail(where + fields.problem());
      break;
    }
    auto decoded = crypto::base64Decode(data);
    if (!decoded) {
      params.fail(where + "data: " + decoded.error().message);
      break;
    }
    if (decoded->empty() || decoded->size() > kMaxTemplateBytes) {
      params.fail(where + "data must be 1 to " + std::to_string(kMaxTemplateBytes) + " bytes");
      break;
    }
    if (std::any_of(user.templates.begin(), user.templates.end(),
                    [&](const FingerTemplate& seen) { return seen.finger == tmpl.finger; })) {
      params.fail(where + "index " + std::to_string(tmpl.finger) + " is given twice");
      break;
    }
    tmpl.data.assign(decoded->begin(), decoded->end());
    user.templates.push_back(std::move(tmpl));
  }
  return user;
}

// {"options": {"Key": "value", ...}}: keys as the terminal names them; values are strings or
// integers. The push codec checks the characters when the command is encoded.
std::vector<std::pair<std::string, std::string>> readOptions(FieldReader& params) {
  const auto options = params.object().find("options");
  if (options == params.object().end() || !options->is_object() || options->empty()) {
    params.fail("set_options needs params.options, an object of option names and values");
    return {};
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : options->items()) {
    if (value.is_string()) {
      out.emplace_back(key, value.get<std::string>());
    } else if (value.is_number_integer()) {
      out.emplace_back(key, value.dump());
    } else {
      params.fail("options." + key + " must be a string or an integer");
      return {};
    }
  }
  return out;
}

ordered_json paramsJson(const Command& command) {
  switch (command.type) {
    case CommandType::EnrollUser:
    case CommandType::UpdateUser:
      return userJson(command.user);
    case CommandType::DeleteUser:
      return {{"user_id", command.user.user_id}};
    case CommandType::SetTime:
      return command.time ? ordered_json{{"time", formatTime(command.time)}}
                          : ordered_json::object();
    case CommandType::Unlock:
      return {{"seconds", command.unlock_for.count()}};
    case CommandType::ClearAttendance:
      return {{"confirm", true}};
    case CommandType::ReadLog:
      return {{"from", formatTime(command.from)}, {"to", formatTime(command.to)}};
    case CommandType::SyncTime:
      return {{"policy", clockPolicyName(command.clock_policy)},
              {"threshold_s", command.clock_threshold.count()}};
    case CommandType::SetOptions: {
      ordered_json options = ordered_json::object();
      for (const auto& [key, value] : command.options) {
        options[key] = value;
      }
      return {{"options", std::move(options)}};
    }
    case CommandType::Restart:
    case CommandType::ReadUsers:
      break;
  }
  return ordered_json::object();
}

}  // namespace

std::string_view commandTypeName(CommandType type) noexcept {
  const auto* found = std::find_if(kTypes.begin(), kTypes.end(),
                                   [type](const TypeName& entry) { return entry.type == type; });
  return found == kTypes.end() ? std::string_view("unknown") : found->name;
}

std::optional<CommandType> commandTypeNamed(std::string_view name) noexcept {
  const auto* found = std::find_if(kTypes.begin(), kTypes.end(),
                                   [name](const TypeName& entry) { return entry.name == name; });
  return found == kTypes.end() ? std::nullopt : std::optional<CommandType>(found->type);
}

std::span<const CommandType> commandTypes() noexcept { return kTypeOrder; }

std::string_view clockPolicyName(ClockPolicy policy) noexcept {
  for (const auto& [value, name] : kClockPolicies) {
    if (value == policy) {
      return name;
    }
  }
  return "alert";
}

std::optional<ClockPolicy> clockPolicyNamed(std::string_view name) noexcept {
  for (const auto& [value, text] : kClockPolicies) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

bool isValidPrivilege(std::int64_t privilege) noexcept {
  return privilege == 0 || privilege == 2 || privilege == 6 || privilege == 14;
}

bool isValidUserId(std::string_view user_id) noexcept {
  return !user_id.empty() && user_id.size() <= kMaxUserIdLength && user_id != "0";
}

std::string encodeCommand(const Command& command) {
  ordered_json out = {{"command_id", command.command_id},
                      {"device", command.device},
                      {"type", commandTypeName(command.type)}};
  if (command.expires_at) {
    out["expires_at"] = formatRfc3339(*command.expires_at);
  }
  out["params"] = paramsJson(command);
  return detail::dumpCompact(out);
}

std::string redactCommand(std::string_view payload) {
  auto command = decodeCommand(payload);
  if (!command) {
    const CommandHeader header = peekCommandHeader(payload);
    return detail::dumpCompact(ordered_json{
        {"command_id", header.command_id}, {"device", header.device}, {"type", header.type}});
  }
  command->user.password.clear();
  command->user.card = 0;
  command->user.templates.clear();
  for (auto& option : command->options) {
    option.second.clear();
  }
  return encodeCommand(*command);
}

CommandHeader peekCommandHeader(std::string_view payload) {
  const auto parsed = detail::parseObject(payload, "command payload");
  if (!parsed) {
    return {};
  }
  const json& doc = *parsed;
  const auto field = [&](const char* key) {
    const auto found = doc.find(key);
    return found != doc.end() && found->is_string() &&
                   found->get_ref<const std::string&>().size() <= 128
               ? found->get<std::string>()
               : std::string();
  };
  return {field("command_id"), field("device"), field("type")};
}

Result<Command> decodeCommand(std::string_view payload) {
  auto doc = detail::parseObject(payload, "command payload");
  if (!doc) {
    return doc.error();
  }
  FieldReader fields(*doc);
  Command command;
  command.command_id = fields.text("command_id", kMaxCommandIdLength, true);
  const std::string hint = command.command_id;
  command.device = fields.text("device", 100, true);
  command.expires_at = fields.time("expires_at");
  command.type_text = fields.text("type", 64, true);
  const auto params_field = doc->find("params");
  const json params_json =
      params_field == doc->end() || params_field->is_null() ? json::object() : *params_field;
  if (fields.ok() && !params_json.is_object()) {
    fields.fail("params must be an object");
  }
  if (!fields.ok()) {
    return makeError(ErrorCode::InvalidInput, "invalid command: " + fields.problem(), hint);
  }
  const auto type = commandTypeNamed(command.type_text);
  if (!type) {
    return makeError(
        ErrorCode::InvalidInput,
        "invalid command: type \"" + command.type_text + "\" is not one of " + typeList(), hint);
  }
  command.type = *type;
  FieldReader params(params_json);
  switch (command.type) {
    case CommandType::EnrollUser:
    case CommandType::UpdateUser:
      command.user = readUser(params, true);
      break;
    case CommandType::DeleteUser:
      command.user.user_id = params.text("user_id", 64, true);
      break;
    case CommandType::SetTime:
      command.time = params.time("time");
      break;
    case CommandType::Unlock:
      command.unlock_for =
          std::chrono::seconds{params.integer("seconds", kMinUnlockSeconds, kMaxUnlockSeconds, 5)};
      break;
    case CommandType::ClearAttendance:
      // Clearing a terminal's log destroys its copy of every punch: only on explicit request.
      if (params.boolean("confirm", false) != true) {
        params.fail("clear_attendance needs params.confirm = true");
      }
      break;
    case CommandType::ReadLog:
      command.from = params.time("from");
      command.to = params.time("to");
      if (!command.from || !command.to || *command.to < *command.from) {
        params.fail("read_log needs params.from and params.to (RFC 3339), from <= to");
      }
      break;
    case CommandType::SetOptions:
      command.options = readOptions(params);
      break;
    case CommandType::SyncTime: {
      const std::string policy = params.text("policy", 16, true);
      if (const auto named = clockPolicyNamed(policy)) {
        command.clock_policy = *named;
      } else if (params.ok()) {
        params.fail("sync_time needs params.policy: off, alert or auto");
      }
      command.clock_threshold = std::chrono::seconds{
          params.integer("threshold_s", kMinClockThresholdSeconds, kMaxClockThresholdSeconds,
                         kDefaultClockThresholdSeconds)};
      break;
    }
    case CommandType::Restart:
    case CommandType::ReadUsers:
      break;
  }
  if (!params.ok()) {
    return makeError(ErrorCode::InvalidInput, "invalid command: " + params.problem(), hint);
  }
  return command;
}

}  // namespace punchlink::contract
