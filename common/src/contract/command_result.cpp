#include "json_fields.hpp"

#include <punchlink/contract/command.hpp>
#include <punchlink/contract/command_result.hpp>

namespace punchlink::contract {

namespace {

using detail::FieldReader;
using detail::json;
using nlohmann::ordered_json;

constexpr std::string_view kSucceeded = "succeeded";
constexpr std::string_view kFailed = "failed";

}  // namespace

std::string encodeCommandResult(const CommandResult& result) {
  ordered_json out = {{"command_id", result.command_id},
                      {"device", result.device},
                      {"type", result.type},
                      {"status", result.succeeded ? kSucceeded : kFailed}};
  if (!result.error.empty()) {
    out["error"] = result.error;
  }
  if (!result.result_json.empty()) {
    out["result"] = ordered_json::parse(result.result_json, nullptr, false);
  }
  if (result.finished_at) {
    out["finished_at"] = formatRfc3339(*result.finished_at);
  }
  return detail::dumpCompact(out);
}

Result<CommandResult> decodeCommandResult(std::string_view payload) {
  auto doc = detail::parseObject(payload, "command result");
  if (!doc) {
    return doc.error();
  }
  FieldReader fields(*doc);
  CommandResult result;
  result.command_id = fields.text("command_id", kMaxCommandIdLength, true);
  result.device = fields.text("device", 100);
  result.type = fields.text("type", 64);
  const std::string status = fields.text("status", 20, true);
  if (fields.ok() && status != kSucceeded && status != kFailed) {
    fields.fail("status must be succeeded or failed");
  }
  result.succeeded = status == kSucceeded;
  if (const auto error = doc->find("error"); error != doc->end() && error->is_string()) {
    result.error = error->get<std::string>();
    detail::truncateUtf8(result.error, kMaxCommandErrorLength);
  }
  if (const auto details = doc->find("result"); details != doc->end() && !details->is_null()) {
    result.result_json = detail::dumpCompact(*details);
  }
  result.finished_at = fields.time("finished_at");
  if (!fields.ok()) {
    return makeError(ErrorCode::InvalidInput, "command result: " + fields.problem());
  }
  return result;
}

}  // namespace punchlink::contract
