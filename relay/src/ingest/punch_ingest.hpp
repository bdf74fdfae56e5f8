// PunchIngest: what the relay does with a site's punch batch, in one transaction: stores the
// new punches (idempotent by event id within the tenant), registers terminals the tenant does
// not have yet as pending so no punch is refused for want of registration, and queues the
// webhook deliveries the new punches cause. Nothing of another tenant is read or written.
#pragma once

#include "store/device_registry.hpp"
#include "store/event_outbox.hpp"
#include "store/punch_ledger.hpp"
#include "store/unit_of_work.hpp"
#include "store/user_directory.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/contract/punch_batch.hpp>

#include <string>
#include <vector>

namespace punchlink::relay {

struct IngestOutcome {
  std::vector<std::string> acked;  // committed now or before
  std::vector<contract::RejectedPunch> rejected;
  std::size_t stored_new = 0;
  std::size_t deliveries_queued = 0;
};

class PunchIngest {
 public:
  PunchIngest(UnitOfWork& work,
              DeviceSightings& devices,
              PunchLedger& punches,
              UserDirectory& users,
              EventOutbox& outbox)
      : work_(work), devices_(devices), punches_(punches), users_(users), outbox_(outbox) {}

  // The batch's rejections are carried into the outcome; nothing is stored on an error.
  Result<IngestOutcome> ingest(const Site& site, const contract::PunchBatch& batch, UtcMillis now);

 private:
  UnitOfWork& work_;
  DeviceSightings& devices_;
  PunchLedger& punches_;
  UserDirectory& users_;
  EventOutbox& outbox_;
};

}  // namespace punchlink::relay
