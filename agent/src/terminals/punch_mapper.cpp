#include "punch_mapper.hpp"

#include <punchlink/common/event_id.hpp>
#include <punchlink/common/punch_codes.hpp>
#include <punchlink/common/utc_time.hpp>

#include <nlohmann/json.hpp>

namespace punchlink::agent {

OutboxPunch toOutboxPunch(const DevicePunch& punch, const TimeZone& zone) {
  const std::string event_id = makeEventId(punch.device_serial, punch.user_id, punch.local_time);
  nlohmann::ordered_json json = {{"event_id", event_id},
                                 {"device_serial", punch.device_serial},
                                 {"device_name", punch.device_name},
                                 {"user_id", punch.user_id},
                                 {"timestamp", formatRfc3339(zone.toUtc(punch.local_time))},
                                 {"local_time", formatLocalTime(punch.local_time)},
                                 {"time_zone", zone.name()},
                                 {"state", punch.state},
                                 {"verify", punch.verify},
                                 {"method", verifyMethodName(punch.verify)},
                                 {"workcode", punch.workcode},
                                 {"source", punch.source}};
  if (auto type = punchTypeName(punch.state)) {
    json["punch_type"] = *type;
  }
  return {event_id, punch.device_serial, json.dump()};
}

}  // namespace punchlink::agent
