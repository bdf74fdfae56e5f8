// StatusIngest: what the relay does with the statuses sites report, each in one transaction:
// a terminal's status (within the site's tenant), its online/offline change as an event, and an
// agent that went away taking its terminals offline with it (nothing vouches for them any more;
// their retained statuses would say "online" forever).
#pragma once

#include "store/device_registry.hpp"
#include "store/event_outbox.hpp"
#include "store/tenants.hpp"
#include "store/unit_of_work.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/contract/agent_status.hpp>
#include <punchlink/contract/device_status.hpp>

namespace punchlink::relay {

class StatusIngest {
 public:
  StatusIngest(UnitOfWork& work, Tenants& tenants, DeviceSightings& devices, EventOutbox& outbox)
      : work_(work), tenants_(tenants), devices_(devices), outbox_(outbox) {}

  // Precondition: `status.serial` is not empty.
  Status recordDeviceStatus(const Site& site, const contract::DeviceStatus& status, UtcMillis now);
  Status recordAgentStatus(const Site& site, const contract::AgentStatus& status, UtcMillis now);

 private:
  // The online/offline event of a terminal that just changed, named as it is stored now.
  Status recordChange(const std::string& tenant_id,
                      const std::string& serial,
                      bool online,
                      UtcMillis now);

  UnitOfWork& work_;
  Tenants& tenants_;
  DeviceSightings& devices_;
  EventOutbox& outbox_;
};

}  // namespace punchlink::relay
