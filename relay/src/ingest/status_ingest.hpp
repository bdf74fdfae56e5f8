// StatusIngest: what the relay does with the statuses sites report, each in one transaction:
// a terminal's status (within the site's tenant), its online/offline change as an event, its
// records compared with the relay's (device.records_missing once a gap outlasts
// `gap_alert_after`), and an agent that went away taking its terminals offline with it (nothing
// vouches for them any more; their retained statuses would say "online" forever).
#pragma once

#include "store/device_event_log.hpp"
#include "store/device_registry.hpp"
#include "store/event_outbox.hpp"
#include "store/punch_ledger.hpp"
#include "store/tenants.hpp"
#include "store/unit_of_work.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/contract/agent_status.hpp>
#include <punchlink/contract/device_status.hpp>

namespace punchlink::relay {

// The store parts status ingest writes and reads.
struct StatusIngestParts {
  UnitOfWork& work;
  Tenants& tenants;
  DeviceSightings& devices;
  PunchLedger& punches;
  DeviceEventLog& device_events;
  EventOutbox& outbox;
};

class StatusIngest {
 public:
  explicit StatusIngest(StatusIngestParts parts,
                        std::chrono::milliseconds gap_alert_after = std::chrono::minutes{10})
      : work_(parts.work),
        tenants_(parts.tenants),
        devices_(parts.devices),
        punches_(parts.punches),
        device_events_(parts.device_events),
        outbox_(parts.outbox),
        gap_alert_after_(gap_alert_after) {}

  // Precondition: `status.serial` is not empty.
  Status recordDeviceStatus(const Site& site, const contract::DeviceStatus& status, UtcMillis now);
  Status recordAgentStatus(const Site& site, const contract::AgentStatus& status, UtcMillis now);

 private:
  // The online/offline event of a terminal that just changed, named as it is stored now.
  Status recordChange(const std::string& tenant_id,
                      const std::string& serial,
                      bool online,
                      UtcMillis now);

  // Compares the terminal's records with the relay's and keeps the result; raises
  // device.records_missing once per gap that lasts longer than gap_alert_after_.
  Status reconcile(const Site& site, const contract::DeviceStatus& status, UtcMillis now);

  UnitOfWork& work_;
  Tenants& tenants_;
  DeviceSightings& devices_;
  PunchLedger& punches_;
  DeviceEventLog& device_events_;
  EventOutbox& outbox_;
  std::chrono::milliseconds gap_alert_after_;
};

}  // namespace punchlink::relay
