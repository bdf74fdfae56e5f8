#include "json_fields.hpp"

#include <punchlink/contract/ack.hpp>

namespace punchlink::contract {

namespace {

using detail::json;

// Reasons are for the agent's log: long ones are cut, not refused.
constexpr std::size_t kMaxReason = 500;

// Not only well-formed event ids: the relay rejects malformed ones by the id the agent sent, so
// that the agent can drop those rows too.
bool isEventKey(const json& id) {
  return id.is_string() && !id.get_ref<const std::string&>().empty() &&
         id.get_ref<const std::string&>().size() <= 64;
}

}  // namespace

std::string encodeAck(const Ack& ack) {
  json rejected = json::array();
  for (const auto& item : ack.rejected) {
    rejected.push_back({{"event_id", item.event_id}, {"reason", item.reason}});
  }
  return detail::dumpCompact(
      {{"batch_id", ack.batch_id}, {"acked", ack.acked}, {"rejected", std::move(rejected)}});
}

Result<Ack> decodeAck(std::string_view payload) {
  auto doc = detail::parseObject(payload, "ack");
  if (!doc) {
    return doc.error();
  }
  const json* acked = detail::listMember(*doc, "acked");
  if (acked == nullptr) {
    return makeError(ErrorCode::InvalidInput, "ack: acked must be a list of event ids");
  }
  Ack ack;
  if (const auto batch = doc->find("batch_id"); batch != doc->end() && batch->is_string()) {
    ack.batch_id = batch->get<std::string>();
  }
  for (const auto& id : *acked) {
    if (isEventKey(id)) {
      ack.acked.push_back(id.get<std::string>());
    }
  }
  if (const json* rejected = detail::listMember(*doc, "rejected"); rejected != nullptr) {
    for (const auto& item : *rejected) {
      if (!item.is_object()) {
        continue;
      }
      const auto id = item.find("event_id");
      if (id == item.end() || !isEventKey(*id)) {
        continue;
      }
      const auto reason = item.find("reason");
      std::string text = reason != item.end() && reason->is_string() ? reason->get<std::string>()
                                                                     : std::string("unknown");
      detail::truncateUtf8(text, kMaxReason);
      ack.rejected.push_back({id->get<std::string>(), std::move(text)});
    }
  }
  return ack;
}

}  // namespace punchlink::contract
