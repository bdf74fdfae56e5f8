// PunchIngest: what the relay does with a site's punch batch, in one transaction: stores the
// new punches and device events (idempotent by event id within the tenant), registers terminals
// the tenant does not have yet as pending so nothing is refused for want of registration, and
// queues the webhook deliveries they cause. Nothing of another tenant is read or written.
#pragma once

#include "store/device_event_log.hpp"
#include "store/device_registry.hpp"
#include "store/event_outbox.hpp"
#include "store/punch_ledger.hpp"
#include "store/unit_of_work.hpp"
#include "store/user_directory.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/contract/punch_batch.hpp>

#include <map>
#include <string>
#include <vector>

namespace punchlink::relay {

struct IngestOutcome {
  std::vector<std::string> acked;  // committed now or before
  std::vector<contract::RejectedPunch> rejected;
  std::size_t stored_new = 0;     // punches
  std::size_t events_stored = 0;  // device events
  std::size_t clock_suspect = 0;  // of the new punches, those flagged clock_suspect
  std::size_t deliveries_queued = 0;
  // Punches and events for terminals that belong to another site of the tenant: neither stored
  // nor acked, so they stay in the agent's outbox until an operator releases the terminal
  // (PATCH /v1/devices/{serial} {"site": null}) and are taken then. By serial, with the site
  // the terminal belongs to.
  std::map<std::string, std::string> withheld;
};

// The store parts ingest writes and reads.
struct PunchIngestParts {
  UnitOfWork& work;
  DeviceSightings& devices;
  PunchLedger& punches;
  DeviceEventLog& device_events;
  UserDirectory& users;
  EventOutbox& outbox;
};

class PunchIngest {
 public:
  explicit PunchIngest(PunchIngestParts parts) : parts_(parts) {}

  // The batch's rejections are carried into the outcome; nothing is stored on an error.
  Result<IngestOutcome> ingest(const Site& site, const contract::PunchBatch& batch, UtcMillis now);

  // Batches that arrived together, in one transaction: one commit (one fsync) for all of them,
  // an outcome each, in order. All or nothing: on an error none is stored, and the caller can
  // store them one at a time to find out which.
  Result<std::vector<IngestOutcome>> ingestAll(
      const std::vector<std::pair<Site, contract::PunchBatch>>& batches, UtcMillis now);

 private:
  PunchIngestParts parts_;
};

}  // namespace punchlink::relay
