// Webhook deliveries. DeliveryQueue is the dispatcher's side (any tenant): leases due
// deliveries and records attempts, safe with several relay nodes on one database. DeliveryLog is
// the tenant's view for the REST API: the log, resend and recover.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

class DeliveryQueue {
 public:
  virtual ~DeliveryQueue() = default;
  // Marks up to `limit` due deliveries of enabled endpoints as `delivering`, leased to `owner`
  // until `now + lease`, at most `per_endpoint_capacity[endpoint]` (or `default_capacity` for
  // endpoints not listed) for each endpoint; a lapsed lease (a crashed node) is due again.
  virtual Result<std::vector<ClaimedDelivery>> claimDue(
      const std::string& owner,
      UtcMillis now,
      std::chrono::milliseconds lease,
      std::size_t limit,
      const std::map<std::string, std::size_t>& per_endpoint_capacity,
      std::size_t default_capacity) = 0;
  // Returns `owner`'s leases to the queue (at start-up after a crash: nothing is lost).
  virtual Status releaseLeases(const std::string& owner) = 0;
  // Records attempts in one transaction, one commit for many (the dispatcher's group commit):
  // each is appended to its delivery's log, its outcome applied and its endpoint's failure streak
  // updated. Per record: ok, or Conflict if `owner` no longer holds the lease (it lapsed and
  // another node took it), and then nothing is written for it. An error of the whole batch
  // writes none of them: their leases lapse and they are attempted again, never lost.
  virtual Result<std::vector<Status>> recordAttempts(const std::string& owner,
                                                     const std::vector<AttemptRecord>& records,
                                                     UtcMillis now) = 0;

  // One attempt: recordAttempts() with a single record.
  Status recordAttempt(const std::string& owner,
                       std::int64_t delivery_id,
                       const std::string& endpoint_id,
                       const DeliveryAttempt& attempt,
                       const AttemptOutcome& outcome,
                       UtcMillis now) {
    auto recorded = recordAttempts(owner, {{delivery_id, endpoint_id, attempt, outcome}}, now);
    return recorded ? recorded->front() : Status(recorded.error());
  }

  virtual Result<DeliveryCounts> counts() = 0;
};

class DeliveryLog {
 public:
  virtual ~DeliveryLog() = default;
  virtual Result<std::vector<Delivery>> listDeliveries(const std::string& tenant_id,
                                                       const std::string& endpoint_id,
                                                       const DeliveryFilter& filter) = 0;
  virtual Result<std::optional<Delivery>> findDelivery(const std::string& tenant_id,
                                                       const std::string& endpoint_id,
                                                       std::int64_t delivery_id) = 0;
  // Queues a delivery again now, with a fresh retry window; its event id and body stay.
  // Conflict while a node is attempting it.
  virtual Result<Delivery> resendDelivery(const std::string& tenant_id,
                                          const std::string& endpoint_id,
                                          std::int64_t delivery_id,
                                          UtcMillis now) = 0;
  // Queues again every failed delivery of the endpoint created at or after `since`.
  virtual Result<std::int64_t> recoverDeliveries(const std::string& tenant_id,
                                                 const std::string& endpoint_id,
                                                 UtcMillis since,
                                                 UtcMillis now) = 0;
  virtual Result<std::int64_t> countDeliveries(const std::string& tenant_id) = 0;
  // The endpoint's attempts per UTC hour since `since`; hours with none left out.
  virtual Result<std::vector<HourAttempts>> attemptsByHour(const std::string& tenant_id,
                                                           const std::string& endpoint_id,
                                                           UtcMillis since) = 0;
};

}  // namespace punchlink::relay
