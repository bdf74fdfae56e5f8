#include "users_handler.hpp"

#include <punchlink/common/crypto.hpp>

#include <nlohmann/json.hpp>

#include <set>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::size_t kMaxTemplateBytes = 16 * 1024;

ordered_json commandJson(const CommandRecord& command) {
  ordered_json out = {{"id", command.id},
                      {"device_id", command.device_serial},
                      {"type", command.type},
                      {"status", command.state}};
  if (!command.user_id.empty()) {
    out["user_id"] = command.user_id;
  }
  if (!command.error.empty()) {
    out["error"] = command.error;
  }
  if (!command.result.empty()) {
    out["result"] = ordered_json::parse(command.result, nullptr, false);
  }
  out["created_at"] = command.created_at;
  out["updated_at"] = command.updated_at;
  return out;
}

}  // namespace

ApiResponse createUser(Store& store, CommandSender& sender, ApiRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return invalidField("body", "expected a JSON object");
  }
  const auto text = [&](const char* field, std::size_t max, bool required,
                        std::string& out) -> std::optional<ApiResponse> {
    if (!body.contains(field) || body[field].is_null()) {
      if (required) {
        return invalidField(field, "is required");
      }
      return std::nullopt;
    }
    if (!body[field].is_string() || body[field].get<std::string>().size() > max ||
        (required && body[field].get<std::string>().empty())) {
      return invalidField(field,
                          "expected a string of 1 to " + std::to_string(max) + " characters");
    }
    out = body[field].get<std::string>();
    return std::nullopt;
  };
  std::string device_id;
  std::string user_id;
  std::string name;
  std::string department;
  std::string password;
  if (auto error = text("device_id", 64, true, device_id)) {
    return *error;
  }
  if (auto error = text("user_id", 23, true, user_id)) {
    return *error;
  }
  if (user_id == "0") {
    return invalidField("user_id", "\"0\" is not a valid user id on terminals");
  }
  if (auto error = text("name", 23, false, name)) {
    return *error;
  }
  if (auto error = text("department", 100, false, department)) {
    return *error;
  }
  if (auto error = text("password", 8, false, password)) {
    return *error;
  }
  std::int64_t card = 0;
  if (body.contains("card") && !body["card"].is_null()) {
    if (!body["card"].is_number_unsigned() || body["card"].get<std::uint64_t>() > 0xFFFFFFFFULL) {
      return invalidField("card", "expected a card number from 0 to 4294967295");
    }
    card = body["card"].get<std::int64_t>();
  }
  std::int64_t privilege = 0;
  if (body.contains("privilege") && !body["privilege"].is_null()) {
    const std::set<std::int64_t> allowed{0, 2, 6, 14};
    if (!body["privilege"].is_number_integer() ||
        allowed.count(body["privilege"].get<std::int64_t>()) == 0) {
      return invalidField("privilege",
                          "expected 0 (user), 2 (enroller), 6 (manager) or 14 (admin)");
    }
    privilege = body["privilege"].get<std::int64_t>();
  }
  json templates = json::array();
  if (body.contains("templates") && !body["templates"].is_null()) {
    if (!body["templates"].is_array() || body["templates"].size() > 10) {
      return invalidField("templates", "expected a list of at most 10 {type, data, index}");
    }
    std::set<int> indexes;
    for (std::size_t i = 0; i < body["templates"].size(); ++i) {
      const json& item = body["templates"][i];
      const std::string where = "templates[" + std::to_string(i) + "]";
      if (!item.is_object()) {
        return invalidField(where, "expected an object {type, data, index}");
      }
      if (item.value("type", "fingerprint") != "fingerprint") {
        return invalidField(where + ".type",
                            "only \"fingerprint\" templates can be written to ZK terminals");
      }
      if (!item.contains("index") || !item["index"].is_number_integer() ||
          item["index"].get<int>() < 0 || item["index"].get<int>() > 9 ||
          !indexes.insert(item["index"].get<int>()).second) {
        return invalidField(where + ".index", "expected a finger index from 0 to 9, used once");
      }
      if (!item.contains("data") || !item["data"].is_string()) {
        return invalidField(where + ".data", "expected the template as standard base64");
      }
      auto data = crypto::base64Decode(item["data"].get<std::string>());
      if (!data || data->empty() || data->size() > kMaxTemplateBytes) {
        return invalidField(where + ".data",
                            "expected 1 to 16384 bytes of template as standard base64");
      }
      templates.push_back({{"index", item["index"]}, {"data", item["data"]}});
    }
  }
  auto device = store.findDevice(request.tenant_id, device_id);
  if (!device) {
    return errorResponse(device.error());
  }
  if (!device->has_value()) {
    return errorResponse(404, "not_found", "no device " + device_id);
  }
  if ((*device)->site_id.empty()) {
    return errorResponse(
        409, "conflict",
        "device " + device_id + " has not been seen by an agent yet, so no site can reach it");
  }
  CommandRecord command;
  command.id = "cmd_" + crypto::randomHexToken(10);
  command.tenant_id = request.tenant_id;
  command.site_id = (*device)->site_id;
  command.device_serial = device_id;
  command.type = "enroll_user";
  command.user_id = user_id;
  command.state = "queued";
  command.payload = json{
      {"command_id", command.id},
      {"device", device_id},
      {"type", "enroll_user"},
      {"params",
       {{"user_id", user_id},
        {"name", name},
        {"privilege", privilege},
        {"password", password},
        {"card", card},
        {"templates",
         templates}}}}.dump();
  if (auto stored = store.upsertUser({request.tenant_id, user_id, name, department, card, privilege,
                                      static_cast<std::int64_t>(templates.size()), "", ""});
      !stored) {
    return errorResponse(stored.error());
  }
  if (auto created = store.createCommand(command); !created) {
    return errorResponse(created.error());
  }
  if (sender.send(command.site_id, command.payload)) {
    (void)store.updateCommand(command.site_id, command.id, "sent", "", "");
    command.state = "sent";
  }
  ApiResponse response;
  response.status = 201;
  response.body = {{"user_id", user_id},
                   {"device_id", device_id},
                   {"command_id", command.id},
                   {"status", command.state}};
  return response;
}

ApiResponse getUser(Store& store, ApiRequest& request) {
  auto user = store.findUser(request.tenant_id, request.params["user_id"]);
  if (!user) {
    return errorResponse(user.error());
  }
  if (!user->has_value()) {
    return errorResponse(404, "not_found", "no user " + request.params["user_id"]);
  }
  auto commands = store.commandsForUser(request.tenant_id, (*user)->user_id);
  if (!commands) {
    return errorResponse(commands.error());
  }
  ordered_json enrollments = ordered_json::array();
  for (const auto& command : *commands) {
    enrollments.push_back(commandJson(command));
  }
  ApiResponse response;
  response.body = {{"user_id", (*user)->user_id},       {"name", (*user)->name},
                   {"department", (*user)->department}, {"card", (*user)->card},
                   {"privilege", (*user)->privilege},   {"templates", (*user)->template_count},
                   {"commands", enrollments},           {"created_at", (*user)->created_at},
                   {"updated_at", (*user)->updated_at}};
  return response;
}

ApiResponse getCommand(Store& store, ApiRequest& request) {
  auto command = store.findCommand(request.tenant_id, request.params["id"]);
  if (!command) {
    return errorResponse(command.error());
  }
  if (!command->has_value()) {
    return errorResponse(404, "not_found", "no command " + request.params["id"]);
  }
  ApiResponse response;
  response.body = commandJson(**command);
  return response;
}

}  // namespace punchlink::relay::api
