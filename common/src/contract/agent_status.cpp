#include "json_fields.hpp"

#include <punchlink/contract/agent_status.hpp>

#include <limits>

namespace punchlink::contract {

namespace {

using detail::FieldReader;
using detail::json;
using nlohmann::ordered_json;

using detail::kMaxCount;

}  // namespace

std::string encodeAgentStatus(const AgentStatus& status) {
  ordered_json out = {{"site_id", status.site_id}, {"online", status.online}};
  if (!status.reason.empty()) {
    out["reason"] = status.reason;
  }
  if (!status.agent_version.empty()) {
    out["agent_version"] = status.agent_version;
  }
  if (!status.started_at.empty()) {
    out["started_at"] = status.started_at;
  }
  if (status.broker_connected) {
    out["broker_connected"] = *status.broker_connected;
  }
  if (status.outbox) {
    const OutboxStatus& outbox = *status.outbox;
    ordered_json box = {
        {"pending", outbox.pending},       {"rows", outbox.rows},
        {"size_bytes", outbox.size_bytes}, {"max_size_bytes", outbox.max_size_bytes},
        {"alarm", outbox.alarm},           {"full", outbox.full}};
    if (outbox.oldest_pending_age_s) {
      box["oldest_pending_age_s"] = *outbox.oldest_pending_age_s;
    }
    out["outbox"] = std::move(box);
  }
  if (status.uplink) {
    out["uplink"] = {{"batches_sent", status.uplink->batches_sent},
                     {"punches_sent", status.uplink->punches_sent},
                     {"punches_acked", status.uplink->punches_acked},
                     {"punches_rejected", status.uplink->punches_rejected}};
  }
  const bool last_will = !status.online && !status.reason.empty() && status.agent_version.empty();
  if (!last_will) {
    ordered_json devices = ordered_json::array();
    for (const auto& device : status.devices) {
      auto parsed = ordered_json::parse(device, nullptr, false);
      if (!parsed.is_discarded()) {
        devices.push_back(std::move(parsed));
      }
    }
    out["devices"] = std::move(devices);
  }
  return detail::dumpCompact(out);
}

Result<AgentStatus> decodeAgentStatus(std::string_view payload) {
  auto doc = detail::parseObject(payload, "agent status");
  if (!doc) {
    return doc.error();
  }
  FieldReader fields(*doc);
  AgentStatus status;
  status.site_id = fields.text("site_id", 64);
  status.online = fields.boolean("online", true);
  status.reason = fields.text("reason", 500);
  status.agent_version = fields.text("agent_version", 64);
  status.started_at = fields.text("started_at", 40);
  if (const auto box = doc->find("outbox"); box != doc->end() && box->is_object()) {
    FieldReader outbox(*box);
    OutboxStatus read;
    read.pending = outbox.integer("pending", 0, kMaxCount, 0);
    read.rows = outbox.integer("rows", 0, kMaxCount, 0);
    read.size_bytes = static_cast<std::uint64_t>(outbox.integer("size_bytes", 0, kMaxCount, 0));
    read.max_size_bytes =
        static_cast<std::uint64_t>(outbox.integer("max_size_bytes", 0, kMaxCount, 0));
    read.alarm = outbox.boolean("alarm", false);
    read.full = outbox.boolean("full", false);
    read.oldest_pending_age_s = outbox.optionalInteger("oldest_pending_age_s", 0, kMaxCount);
    if (!outbox.ok()) {
      fields.fail("outbox." + outbox.problem());
    }
    status.outbox = read;
  }
  if (!fields.ok()) {
    return makeError(ErrorCode::InvalidInput, "agent status: " + fields.problem());
  }
  return status;
}

}  // namespace punchlink::contract
