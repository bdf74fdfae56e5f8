#include "events/subscription.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace punchlink::relay::events {

Result<std::string> parseSubscription(std::string_view events_json) {
  const auto events = nlohmann::json::parse(events_json, nullptr, false);
  const bool valid =
      events.is_array() && std::all_of(events.begin(), events.end(), [](const auto& event) {
        return event.is_string() && eventTypeNamed(event.template get<std::string>());
      });
  if (!valid) {
    return makeError(ErrorCode::InvalidInput,
                     "expected an array of event types (" + eventTypeList() + "); empty means all");
  }
  return events.dump();
}

bool subscribes(std::string_view events_json, EventType type) {
  const auto events = nlohmann::json::parse(events_json, nullptr, false);
  if (!events.is_array() || events.empty()) {
    return true;
  }
  const std::string_view name = eventTypeName(type);
  return std::any_of(events.begin(), events.end(), [name](const auto& event) {
    return event.is_string() && event.template get<std::string>() == name;
  });
}

}  // namespace punchlink::relay::events
