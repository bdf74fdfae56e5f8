#include "ingest/status_ingest.hpp"

#include "devices/reconciliation.hpp"
#include "events/event_catalogue.hpp"

#include <nlohmann/json.hpp>

namespace punchlink::relay {

Status StatusIngest::recordChange(const std::string& tenant_id,
                                  const std::string& serial,
                                  bool online,
                                  UtcMillis now) {
  auto device = devices_.find(tenant_id, serial);
  if (!device) {
    return device.error();
  }
  const events::DeviceRef ref{serial, *device ? (*device)->name : "",
                              *device ? (*device)->location : ""};
  auto recorded = outbox_.record(
      tenant_id,
      events::deviceStatusChanged(online, ref, std::chrono::floor<std::chrono::seconds>(now)), now);
  return recorded ? Status{} : Status(recorded.error());
}

Status StatusIngest::recordDeviceStatus(const Site& site,
                                        const contract::DeviceStatus& status,
                                        UtcMillis now) {
  return work_.transaction([&]() -> Status {
    // Every node takes every status message. The row stays locked until commit (PostgreSQL),
    // so of two nodes recording the same change only the first sees it as a change.
    auto before = devices_.find(site.tenant_id, status.serial, true);
    if (!before) {
      return before.error();
    }
    // Commands follow a terminal's site, so a site reporting another site's terminal would
    // take its enrollments; the terminal stays where it is until an operator releases it.
    if (*before && !(*before)->site_id.empty() && (*before)->site_id != site.id) {
      return makeError(ErrorCode::Conflict,
                       "terminal " + status.serial + " belongs to site " + (*before)->site_id +
                           "; the status from site " + site.id + " is ignored",
                       "if the terminal has moved, release it with PATCH /v1/devices/" +
                           status.serial + " {\"site\": null}");
    }
    // A terminal first seen by its status (a push terminal calls before it has punches) takes
    // its configured name from the status, as one first seen by a punch does.
    if (auto recorded =
            devices_.recordStatus(site, status.serial, contract::encodeDeviceStatus(status),
                                  status.name, status.online, now);
        !recorded) {
      return recorded;
    }
    if (auto reconciled = reconcile(site, status, now); !reconciled) {
      return reconciled;
    }
    const bool was_online = *before && (*before)->online;
    if (was_online == status.online) {
      return {};
    }
    return recordChange(site.tenant_id, status.serial, status.online, now);
  });
}

Status StatusIngest::reconcile(const Site& site,
                               const contract::DeviceStatus& status,
                               UtcMillis now) {
  auto compared = devices::reconcile(punches_, site.tenant_id, status, now);
  if (!compared) {
    return compared.error();
  }
  if (!*compared) {
    return {};  // no record count reported: the last comparison stands
  }
  const devices::Reconciliation& result = **compared;
  auto gap = devices_.recordGap(site.tenant_id, status.serial);
  if (!gap) {
    return gap.error();
  }
  gap->reconciliation = devices::reconciliationJson(result);
  if (result.missing == 0) {
    gap->since.reset();
    gap->notified = false;
    return devices_.storeRecordGap(site.tenant_id, status.serial, *gap);
  }
  if (!gap->since) {
    gap->since = now;
  }
  // Records in flight (read from the log, not yet acked) make short gaps; only a lasting one is
  // worth telling anyone about.
  if (gap->notified || now - *gap->since < gap_alert_after_) {
    return devices_.storeRecordGap(site.tenant_id, status.serial, *gap);
  }
  gap->notified = true;
  if (auto stored = devices_.storeRecordGap(site.tenant_id, status.serial, *gap); !stored) {
    return stored;
  }
  auto device = devices_.find(site.tenant_id, status.serial);
  if (!device) {
    return device.error();
  }
  const events::DeviceRef ref{status.serial, *device ? (*device)->name : "",
                              *device ? (*device)->location : ""};
  const events::Event event = events::recordsMissing(
      ref,
      {result.terminal_records, result.relay_records, result.missing,
       formatRfc3339(std::chrono::floor<std::chrono::seconds>(*gap->since)), result.checked_at});
  const std::string timestamp = formatRfc3339(std::chrono::floor<std::chrono::seconds>(now));
  const std::string payload = nlohmann::ordered_json{
      {"event_id", event.id},
      {"type", events::eventTypeName(event.type)},
      {"device_serial", status.serial},
      {"timestamp", timestamp},
      {"terminal_records", result.terminal_records},
      {"relay_records", result.relay_records},
      {"missing", result.missing}}.dump();
  auto appended = device_events_.appendEvent(
      site,
      {event.id, status.serial, std::string(events::eventTypeName(event.type)), timestamp, payload},
      now);
  if (!appended) {
    return appended.error();
  }
  if (!*appended) {
    return {};
  }
  auto fanout = outbox_.fanout(site.tenant_id, event.type);
  if (!fanout) {
    return fanout.error();
  }
  auto queued = (*fanout)->queue(event, now);
  return queued ? Status{} : Status(queued.error());
}

Status StatusIngest::recordAgentStatus(const Site& site,
                                       const contract::AgentStatus& status,
                                       UtcMillis now) {
  return work_.transaction([&]() -> Status {
    if (auto recorded = tenants_.recordAgentStatus(site, contract::encodeAgentStatus(status),
                                                   status.online, now);
        !recorded) {
      return recorded;
    }
    if (status.online) {
      return {};  // its terminals report their own state
    }
    auto serials = devices_.onlineAtSite(site);
    if (!serials) {
      return serials.error();
    }
    for (const auto& serial : *serials) {
      // Every node takes every status message: the node whose update turns a terminal offline
      // records the event, the other finds it offline already.
      auto turned = devices_.markOffline(site.tenant_id, serial);
      if (!turned) {
        return turned.error();
      }
      if (*turned) {
        if (auto recorded = recordChange(site.tenant_id, serial, false, now); !recorded) {
          return recorded;
        }
      }
    }
    return {};
  });
}

}  // namespace punchlink::relay
