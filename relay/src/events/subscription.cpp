#include "events/subscription.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace punchlink::relay::events {

Status checkEventNames(std::span<const std::string> names) {
  for (auto name = names.begin(); name != names.end(); ++name) {
    if (!eventTypeNamed(*name)) {
      return makeError(ErrorCode::InvalidInput, "\"" + *name + "\" is not an event type",
                       "name event types from " + eventTypeList() + "; none means all");
    }
    if (std::find(names.begin(), name, *name) != name) {
      return makeError(ErrorCode::InvalidInput, "names " + *name + " twice", "name it once");
    }
  }
  return {};
}

Result<std::string> parseSubscription(std::string_view events_json) {
  const auto events = nlohmann::json::parse(events_json, nullptr, false);
  const bool strings =
      events.is_array() && std::all_of(events.begin(), events.end(),
                                       [](const auto& event) { return event.is_string(); });
  if (!strings) {
    return makeError(ErrorCode::InvalidInput,
                     "expected an array of event types (" + eventTypeList() + "); empty means all");
  }
  const auto names = events.get<std::vector<std::string>>();
  if (auto checked = checkEventNames(names); !checked) {
    return makeError(ErrorCode::InvalidInput, checked.error().message +
                                                  "; expected an array of event types (" +
                                                  eventTypeList() + "); empty means all");
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
