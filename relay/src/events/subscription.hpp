// Which event types a webhook endpoint receives: a list of catalogue names, where an empty list
// means every type. Parsed and checked here for the API, matched here for the delivery queue.
#pragma once

#include "events/event_catalogue.hpp"

#include <punchlink/common/result.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::relay::events {

// The one rule for a list of event type names, wherever it comes from (the REST body, the admin
// CLI's --events): each a catalogue name, none twice. InvalidInput says which name is wrong.
Status checkEventNames(std::span<const std::string> names);

// A subscription as the REST body gives it (a JSON array text), checked against the catalogue:
// the canonical JSON to store, or InvalidInput naming the catalogue's types.
Result<std::string> parseSubscription(std::string_view events_json);

// True if a stored subscription includes `type`.
bool subscribes(std::string_view events_json, EventType type);

}  // namespace punchlink::relay::events
