#include "punch_mapper.hpp"

#include <punchlink/common/event_id.hpp>
#include <punchlink/common/punch_codes.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/punch_batch.hpp>

namespace punchlink::agent {

bool isClockSuspect(LocalSeconds local, const TimeZone& zone, std::optional<UtcSeconds> agent_now) {
  const auto year = static_cast<int>(date::year_month_day(date::floor<date::days>(local)).year());
  // A terminal whose clock was reset (a flat battery) counts from 2000-01-01, the ZK epoch.
  if (year <= 2000) {
    return true;
  }
  if (agent_now && zone.toUtc(local) > *agent_now + std::chrono::hours{24}) {
    return true;
  }
  return !zone.exists(local);
}

OutboxPunch toOutboxPunch(const DevicePunch& punch, const TimeZone& zone) {
  const std::string event_id = makeEventId(punch.device_serial, punch.user_id, punch.local_time);
  contract::Punch out;
  out.event_id = event_id;
  out.device_serial = punch.device_serial;
  out.device_name = punch.device_name;
  out.user_id = punch.user_id;
  out.timestamp = formatRfc3339(zone.toUtc(punch.local_time));
  out.local_time = formatLocalTime(punch.local_time);
  out.time_zone = zone.name();
  out.state = punch.state;
  out.verify = punch.verify;
  out.method = verifyMethodName(punch.verify);
  out.workcode = punch.workcode;
  out.source = punch.source;
  if (auto type = punchTypeName(punch.state)) {
    out.punch_type = *type;
  }
  out.temperature = punch.temperature;
  out.mask_detected = punch.mask_detected;
  if (isClockSuspect(punch.local_time, zone, punch.agent_now)) {
    out.flags.emplace_back(contract::kClockSuspect);
  }
  return {event_id, punch.device_serial, contract::encodePunch(out)};
}

}  // namespace punchlink::agent
