#include "users_handler.hpp"

#include "api/commands_handler.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/command.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <set>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

using contract::CommandType;

std::string secondsText(UtcMillis time) {
  return formatRfc3339(std::chrono::floor<std::chrono::seconds>(time));
}

constexpr std::size_t kMaxBatchUsers = 500;
constexpr std::size_t kMaxDepartmentLength = 100;

struct UserSpec {
  std::string user_id;
  std::string name;
  std::string department;
  std::string password;
  std::int64_t card = 0;
  std::int64_t privilege = 0;
  std::vector<contract::FingerTemplate> templates;
};

// Validates the user fields of `body` (prefix names fields inside a batch: "users[3].").
// `require_id`: creation needs user_id; an update takes it from the path.
std::optional<ApiResponse> parseUser(const json& body,
                                     const std::string& prefix,
                                     bool require_id,
                                     UserSpec& user) {
  const auto text = [&](const char* field, std::size_t max, bool required,
                        std::string& out) -> std::optional<ApiResponse> {
    if (!body.contains(field) || body[field].is_null()) {
      if (required) {
        return invalidField(prefix + field, "is required");
      }
      return std::nullopt;
    }
    if (!body[field].is_string() || body[field].get<std::string>().size() > max ||
        (required && body[field].get<std::string>().empty())) {
      return invalidField(prefix + field,
                          "expected a string of 1 to " + std::to_string(max) + " characters");
    }
    out = body[field].get<std::string>();
    return std::nullopt;
  };
  if (require_id) {
    std::string id;
    if (auto error = text("user_id", contract::kMaxUserIdLength, true, id)) {
      return error;
    }
    if (!contract::isValidUserId(id)) {
      return invalidField(prefix + "user_id", "\"0\" is not a valid user id on terminals");
    }
    user.user_id = std::move(id);
  }
  if (auto error = text("name", contract::kMaxUserNameBytes, false, user.name)) {
    return error;
  }
  if (auto error = text("department", kMaxDepartmentLength, false, user.department)) {
    return error;
  }
  if (auto error = text("password", contract::kMaxPasswordLength, false, user.password)) {
    return error;
  }
  if (body.contains("card") && !body["card"].is_null()) {
    if (!body["card"].is_number_unsigned() ||
        body["card"].get<std::uint64_t>() > contract::kMaxCard) {
      return invalidField(prefix + "card", "expected a card number from 0 to 4294967295");
    }
    user.card = body["card"].get<std::int64_t>();
  }
  if (body.contains("privilege") && !body["privilege"].is_null()) {
    if (!body["privilege"].is_number_integer() ||
        !contract::isValidPrivilege(body["privilege"].get<std::int64_t>())) {
      return invalidField(prefix + "privilege",
                          "expected 0 (user), 2 (enroller), 6 (manager) or 14 (admin)");
    }
    user.privilege = body["privilege"].get<std::int64_t>();
  }
  if (body.contains("templates") && !body["templates"].is_null()) {
    if (!body["templates"].is_array() || body["templates"].size() > contract::kMaxTemplates) {
      return invalidField(prefix + "templates",
                          "expected a list of at most 10 {type, data, index}");
    }
    std::set<int> indexes;
    for (std::size_t i = 0; i < body["templates"].size(); ++i) {
      const json& item = body["templates"][i];
      const std::string where = prefix + "templates[" + std::to_string(i) + "]";
      if (!item.is_object()) {
        return invalidField(where, "expected an object {type, data, index}");
      }
      if (item.value("type", "fingerprint") != "fingerprint") {
        return invalidField(where + ".type",
                            "only \"fingerprint\" templates can be written to ZK terminals");
      }
      if (!item.contains("index") || !item["index"].is_number_integer() ||
          item["index"].get<std::int64_t>() < 0 ||
          item["index"].get<std::int64_t>() > contract::kMaxFingerIndex ||
          !indexes.insert(item["index"].get<int>()).second) {
        return invalidField(where + ".index", "expected a finger index from 0 to 9, used once");
      }
      if (!item.contains("data") || !item["data"].is_string()) {
        return invalidField(where + ".data", "expected the template as standard base64");
      }
      auto data = crypto::base64Decode(item["data"].get<std::string>());
      if (!data || data->empty() || data->size() > contract::kMaxTemplateBytes) {
        return invalidField(where + ".data", "expected 1 to " +
                                                 std::to_string(contract::kMaxTemplateBytes) +
                                                 " bytes of template as standard base64");
      }
      contract::FingerTemplate tmpl;
      tmpl.finger = static_cast<std::uint8_t>(item["index"].get<int>());
      tmpl.data.assign(data->begin(), data->end());
      user.templates.push_back(std::move(tmpl));
    }
  }
  return std::nullopt;
}

// Devices the user is on: written by an enrollment or update, not removed since.
Result<std::vector<std::string>> enrolledDevices(UsersApi& api,
                                                 const std::string& tenant_id,
                                                 const std::string& user_id) {
  return api.commands.enrolledDevices(
      tenant_id, user_id,
      {std::string(contract::commandTypeName(CommandType::EnrollUser)),
       std::string(contract::commandTypeName(CommandType::UpdateUser))},
      std::string(contract::commandTypeName(CommandType::DeleteUser)));
}

// The command that writes `user` to a terminal.
contract::Command userCommand(CommandType type, const UserSpec& user) {
  contract::Command command;
  command.type = type;
  command.user.user_id = user.user_id;
  command.user.name = user.name;
  command.user.privilege = static_cast<std::uint8_t>(user.privilege);
  command.user.password = user.password;
  command.user.card = static_cast<std::uint32_t>(user.card);
  command.user.templates = user.templates;
  return command;
}

// Stores the user and sends the enrollment; the 201 body or the error response.
ApiResponse enroll(UsersApi& api, const Device& device, const UserSpec& user) {
  if (auto stored = api.users.upsertUser(
          {device.tenant_id, user.user_id, user.name, user.department, user.card, user.privilege,
           static_cast<std::int64_t>(user.templates.size())},
          api.now());
      !stored) {
    return errorResponse(stored.error());
  }
  auto command = api.issuer.issue(device, userCommand(CommandType::EnrollUser, user));
  if (!command) {
    return errorResponse(command.error());
  }
  ApiResponse response;
  response.status = 201;
  response.body = {{"user_id", user.user_id},
                   {"device_id", device.serial},
                   {"command_id", command->id},
                   {"status", command->state}};
  return response;
}

// The tenant's user named in the path, or the 404 (or store error) to return.
std::variant<UserRecord, ApiResponse> existingUser(UsersApi& api, ApiRequest& request) {
  auto user = api.users.findUser(request.tenant_id, request.params["user_id"]);
  if (!user) {
    return errorResponse(user.error());
  }
  if (!user->has_value()) {
    return errorResponse(404, "not_found", "no user " + request.params["user_id"]);
  }
  return **user;
}

std::string deviceIdOf(const json& body) {
  return body.contains("device_id") && body["device_id"].is_string()
             ? body["device_id"].get<std::string>()
             : std::string();
}

}  // namespace

ApiResponse createUser(UsersApi& api, ApiRequest& request) {
  auto parsed = jsonObjectBody(request);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) {
    return *error;
  }
  const json* body = &std::get<json>(parsed);
  const std::string device_id = deviceIdOf(*body);
  if (device_id.empty() || device_id.size() > 64) {
    return invalidField("device_id", "expected the serial number of one of your devices");
  }
  UserSpec user;
  if (auto error = parseUser(*body, "", true, user)) {
    return *error;
  }
  auto device = reachableDevice(api.devices, request.tenant_id, device_id);
  if (auto* error = std::get_if<ApiResponse>(&device)) {
    return *error;
  }
  return enroll(api, std::get<Device>(device), user);
}

ApiResponse createUsersBatch(UsersApi& api, ApiRequest& request) {
  auto parsed = jsonObjectBody(request);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) {
    return *error;
  }
  const json* body = &std::get<json>(parsed);
  const std::string device_id = deviceIdOf(*body);
  if (device_id.empty() || device_id.size() > 64) {
    return invalidField("device_id", "expected the serial number of one of your devices");
  }
  if (!body->contains("users") || !(*body)["users"].is_array() || (*body)["users"].empty() ||
      (*body)["users"].size() > kMaxBatchUsers) {
    return invalidField("users", "expected a list of 1 to 500 users");
  }
  auto device = reachableDevice(api.devices, request.tenant_id, device_id);
  if (auto* error = std::get_if<ApiResponse>(&device)) {
    return *error;
  }
  // Each user succeeds or fails on its own; the batch itself is 200 with per-user results.
  ordered_json results = ordered_json::array();
  int created = 0;
  for (std::size_t i = 0; i < (*body)["users"].size(); ++i) {
    const json& item = (*body)["users"][i];
    ApiResponse outcome;
    UserSpec user;
    if (!item.is_object()) {
      outcome = invalidField("users[" + std::to_string(i) + "]", "expected a user object");
    } else if (auto error = parseUser(item, "users[" + std::to_string(i) + "].", true, user)) {
      outcome = *error;
    } else {
      outcome = enroll(api, std::get<Device>(device), user);
    }
    ordered_json result = {{"index", i}, {"status", outcome.status}};
    // Only what was checked goes back: an invalid user_id is named by its index, not echoed.
    if (!user.user_id.empty()) {
      result["user_id"] = user.user_id;
    }
    if (outcome.status == 201) {
      ++created;
      result["command_id"] = outcome.body["command_id"];
    } else {
      result["error"] = outcome.body["error"];
      if (outcome.body.contains("field")) {
        result["field"] = outcome.body["field"];
      }
    }
    results.push_back(std::move(result));
  }
  ApiResponse response;
  response.body = {{"device_id", device_id},
                   {"created", created},
                   {"failed", static_cast<int>(results.size()) - created},
                   {"results", results}};
  return response;
}

ApiResponse listUsers(UsersApi& api, ApiRequest& request) {
  const auto page = pageLimit(request);
  if (const auto* error = std::get_if<ApiResponse>(&page)) {
    return *error;
  }
  const std::size_t limit = std::get<std::size_t>(page);
  const auto cursor = request.query.find("cursor");
  auto users = api.users.listUsers(
      request.tenant_id, cursor == request.query.end() ? std::string() : cursor->second, limit);
  if (!users) {
    return errorResponse(users.error());
  }
  return pageResponse(
      std::move(*users), limit,
      [](const UserRecord& user) {
        return ordered_json{{"user_id", user.user_id},
                            {"name", user.name},
                            {"department", user.department},
                            {"templates", user.template_count},
                            {"updated_at", secondsText(user.updated_at)}};
      },
      [](const UserRecord& user) { return user.user_id; });
}

ApiResponse getUser(UsersApi& api, ApiRequest& request) {
  auto found = existingUser(api, request);
  if (auto* error = std::get_if<ApiResponse>(&found)) {
    return *error;
  }
  const UserRecord& user = std::get<UserRecord>(found);
  auto commands = api.commands.commandsForUser(request.tenant_id, user.user_id);
  if (!commands) {
    return errorResponse(commands.error());
  }
  ordered_json history = ordered_json::array();
  for (const auto& command : *commands) {
    history.push_back(commandJson(command));
  }
  auto devices = enrolledDevices(api, request.tenant_id, user.user_id);
  ApiResponse response;
  response.body = {{"user_id", user.user_id},
                   {"name", user.name},
                   {"department", user.department},
                   {"card", user.card},
                   {"privilege", user.privilege},
                   {"templates", user.template_count},
                   {"devices", devices ? ordered_json(*devices) : ordered_json::array()},
                   {"commands", history},
                   {"created_at", secondsText(user.created_at)},
                   {"updated_at", secondsText(user.updated_at)}};
  return response;
}

ApiResponse updateUser(UsersApi& api, ApiRequest& request) {
  auto parsed = jsonObjectBody(request);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) {
    return *error;
  }
  const json* body = &std::get<json>(parsed);
  auto found = existingUser(api, request);
  if (auto* error = std::get_if<ApiResponse>(&found)) {
    return *error;
  }
  const UserRecord& existing = std::get<UserRecord>(found);
  // Unchanged fields keep their values; the update goes to every device the user is on.
  UserSpec user;
  user.user_id = existing.user_id;
  user.name = existing.name;
  user.department = existing.department;
  user.card = existing.card;
  user.privilege = existing.privilege;
  if (auto error = parseUser(*body, "", false, user)) {
    return *error;
  }
  if (auto stored = api.users.upsertUser(
          {request.tenant_id, user.user_id, user.name, user.department, user.card, user.privilege,
           static_cast<std::int64_t>(user.templates.size())},
          api.now());
      !stored) {
    return errorResponse(stored.error());
  }
  auto devices = enrolledDevices(api, request.tenant_id, user.user_id);
  if (!devices) {
    return errorResponse(devices.error());
  }
  ordered_json commands = ordered_json::array();
  for (const auto& serial : *devices) {
    auto device = reachableDevice(api.devices, request.tenant_id, serial);
    if (std::holds_alternative<ApiResponse>(device)) {
      continue;  // decommissioned since: nothing to update there
    }
    auto command =
        api.issuer.issue(std::get<Device>(device), userCommand(CommandType::UpdateUser, user));
    if (!command) {
      return errorResponse(command.error());
    }
    commands.push_back(
        {{"device_id", serial}, {"command_id", command->id}, {"status", command->state}});
  }
  ApiResponse response;
  response.body = {{"user_id", user.user_id},
                   {"name", user.name},
                   {"department", user.department},
                   {"commands", commands}};
  return response;
}

ApiResponse deleteUser(UsersApi& api, ApiRequest& request) {
  const std::string user_id = request.params["user_id"];
  if (auto found = existingUser(api, request); std::holds_alternative<ApiResponse>(found)) {
    return std::get<ApiResponse>(found);
  }
  std::vector<std::string> targets;
  const auto only = request.query.find("device_id");
  if (only != request.query.end() && !only->second.empty()) {
    targets.push_back(only->second);
  } else {
    auto devices = enrolledDevices(api, request.tenant_id, user_id);
    if (!devices) {
      return errorResponse(devices.error());
    }
    targets = *devices;
  }
  ordered_json commands = ordered_json::array();
  for (const auto& serial : targets) {
    auto device = reachableDevice(api.devices, request.tenant_id, serial);
    if (auto* error = std::get_if<ApiResponse>(&device)) {
      if (only != request.query.end()) {
        return *error;  // the one device asked for must exist
      }
      continue;
    }
    contract::Command remove;
    remove.type = CommandType::DeleteUser;
    remove.user.user_id = user_id;
    auto command = api.issuer.issue(std::get<Device>(device), std::move(remove));
    if (!command) {
      return errorResponse(command.error());
    }
    commands.push_back(
        {{"device_id", serial}, {"command_id", command->id}, {"status", command->state}});
  }
  // Removed from every device: the user record goes too (its command history stays).
  if (only == request.query.end() || only->second.empty()) {
    (void)api.users.deleteUser(request.tenant_id, user_id);
  }
  ApiResponse response;
  response.body = {{"user_id", user_id}, {"commands", commands}};
  return response;
}

}  // namespace punchlink::relay::api
