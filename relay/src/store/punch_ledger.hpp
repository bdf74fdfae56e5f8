// Stored punches: appended by ingest (idempotent by event id), paged by the REST API.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/contract/punch_batch.hpp>

#include <string>
#include <vector>

namespace punchlink::relay {

class PunchLedger {
 public:
  virtual ~PunchLedger() = default;
  // Stores the punch for the site's tenant; false if its event id was stored before (a replay).
  virtual Result<bool> appendPunch(const Site& site,
                                   const contract::ReceivedPunch& punch,
                                   UtcMillis received_at) = 0;
  // Punches in insertion order (seq), filtered; `limit + 1` rows tell whether more follow.
  virtual Result<std::vector<StoredPunch>> listPunches(const std::string& tenant_id,
                                                       const PunchFilter& filter) = 0;
  virtual Result<std::int64_t> countPunches(const std::string& tenant_id) = 0;
  // The largest seq of the tenant's punches (0 when none): where a live feed starts.
  virtual Result<std::int64_t> latestSeq(const std::string& tenant_id) = 0;
  // The tenant's punches per UTC hour of their timestamp, in [from, to); hours with none left out.
  virtual Result<std::vector<HourCount>> countByHour(const std::string& tenant_id,
                                                     UtcMillis from,
                                                     UtcMillis to) = 0;
  // The terminal's punches whose device-local time is within [local_from, local_to]
  // ("YYYY-MM-DD HH:MM:SS"; an empty bound is open).
  virtual Result<std::int64_t> countDevicePunches(const std::string& tenant_id,
                                                  const std::string& serial,
                                                  const std::string& local_from,
                                                  const std::string& local_to) = 0;
};

}  // namespace punchlink::relay
