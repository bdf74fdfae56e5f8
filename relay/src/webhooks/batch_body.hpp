// The body of a batched webhook request (docs/webhooks.md "Batched delivery"): several events'
// bodies, unchanged, in one signed request. Pure functions.
#pragma once

#include <punchlink/common/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace punchlink::relay::webhooks {

// The value of "event" and of X-Event-Type on a batched request. Not an event type: receivers
// that dispatch on "event" see a name they do not know rather than misreading a batch.
inline constexpr std::string_view kBatchEventName = "batch";

// "bat_" + 24 hex digits derived from the event ids, whatever their order: a retry of the same
// events carries the same webhook-id. Receivers still deduplicate by each event's event_id, since
// a retry may group the events differently.
std::string batchId(std::vector<std::string_view> event_ids);

// {"event":"batch","batch_id":"bat_…","count":N,"events":[<body>,…]}, the bodies in the order
// given and byte for byte, so JSON.stringify(JSON.parse(body)) === body holds for the whole as
// for each. InvalidInput when there is no body or one is not a JSON object's text.
Result<std::string> batchBody(std::string_view batch_id,
                              const std::vector<std::string_view>& bodies);

}  // namespace punchlink::relay::webhooks
