#include "webhooks/batch_body.hpp"

#include <punchlink/common/crypto.hpp>

#include <algorithm>

namespace punchlink::relay::webhooks {

namespace {

constexpr std::size_t kBatchIdBytes = 12;

}  // namespace

std::string batchId(std::vector<std::string_view> event_ids) {
  std::sort(event_ids.begin(), event_ids.end());
  std::string joined;
  for (const auto id : event_ids) {
    joined.append(id).push_back('\n');
  }
  const auto digest = crypto::sha256(joined);
  return "bat_" + crypto::toHex(std::span(digest).first(kBatchIdBytes));
}

Result<std::string> batchBody(std::string_view batch_id,
                              const std::vector<std::string_view>& bodies) {
  if (bodies.empty()) {
    return makeError(ErrorCode::InvalidInput, "a batched webhook request needs at least one event");
  }
  std::size_t size = 64 + batch_id.size();
  for (const auto body : bodies) {
    // Stored bodies are the relay's own compact JSON objects; anything else would make the whole
    // request unparseable for the receiver.
    if (body.size() < 2 || body.front() != '{' || body.back() != '}') {
      return makeError(ErrorCode::InvalidInput,
                       "a stored webhook body is not a JSON object; it cannot go in a batch");
    }
    size += body.size() + 1;
  }
  std::string out;
  out.reserve(size);
  out.append(R"({"event":")").append(kBatchEventName).append(R"(","batch_id":")");
  out.append(batch_id).append(R"(","count":)").append(std::to_string(bodies.size()));
  out.append(R"(,"events":[)");
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out.append(bodies[i]);
  }
  out.append("]}");
  return out;
}

}  // namespace punchlink::relay::webhooks
