#include "terminals/device_event_mapper.hpp"

#include <punchlink/common/utc_time.hpp>

namespace punchlink::agent {

OutboxPunch toOutboxEvent(const TerminalEvent& event, const TimeZone& zone) {
  contract::DeviceEvent out;
  out.type = event.type;
  out.device_serial = event.device_serial;
  out.device_name = event.device_name;
  out.timestamp = formatRfc3339(zone.toUtc(event.local_time));
  out.local_time = formatLocalTime(event.local_time);
  out.time_zone = zone.name();
  out.user_id = event.user_id;
  out.code = event.code;
  out.door = event.door;
  out.source = event.source;
  out.drift_s = event.drift_s;
  out.device_time = event.device_time;
  out.corrected = event.corrected;
  out.event_id = contract::deviceEventIdOf(out);
  return {out.event_id, event.device_serial, contract::encodeDeviceEvent(out),
          OutboxKind::DeviceEvent};
}

}  // namespace punchlink::agent
