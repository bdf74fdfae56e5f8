// Device events (doors, alarms, denied access, clock drift, missing records): appended by
// ingest (idempotent by event id), paged by the REST API like punches.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

struct DeviceEventFilter {
  std::optional<UtcMillis> from;  // inclusive
  std::optional<UtcMillis> to;    // exclusive
  std::optional<std::string> device_serial;
  std::optional<std::string> type;
  std::int64_t after_seq = 0;
  std::size_t limit = 100;
};

struct StoredDeviceEvent {
  std::int64_t seq = 0;
  std::string payload;
  UtcMillis received_at{};
};

// One event as it is kept: what filters need, and the JSON listed.
struct DeviceEventRow {
  std::string event_id;
  std::string device_serial;
  std::string type;       // the catalogue name
  std::string timestamp;  // RFC 3339 UTC
  std::string payload;    // the event as the agent sent it (or the relay made it)
};

class DeviceEventLog {
 public:
  virtual ~DeviceEventLog() = default;
  // Stores the event for the site's tenant; false if its id was stored before (a replay).
  virtual Result<bool> appendEvent(const Site& site,
                                   const DeviceEventRow& event,
                                   UtcMillis received_at) = 0;
  // The largest seq of the tenant's events (0 when none).
  virtual Result<std::int64_t> latestSeq(const std::string& tenant_id) = 0;
  // In insertion order (seq), filtered; `limit + 1` rows tell whether more follow.
  virtual Result<std::vector<StoredDeviceEvent>> listEvents(const std::string& tenant_id,
                                                            const DeviceEventFilter& filter) = 0;
};

}  // namespace punchlink::relay
