// How stored punches and device events look in the API: one item of GET /v1/logs, of
// GET /v1/events, and of the /v1/stream feed (the same JSON in all three).
#pragma once

#include "store/device_event_log.hpp"
#include "store/records.hpp"

#include <nlohmann/json.hpp>

namespace punchlink::relay::api {

nlohmann::ordered_json punchJson(const StoredPunch& row);
nlohmann::ordered_json deviceEventJson(const StoredDeviceEvent& row);

}  // namespace punchlink::relay::api
