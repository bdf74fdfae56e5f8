#include "ingest/punch_ingest.hpp"

#include "events/event_catalogue.hpp"

#include <map>

namespace punchlink::relay {

Result<IngestOutcome> PunchIngest::ingest(const Site& site,
                                          const contract::PunchBatch& batch,
                                          UtcMillis now) {
  IngestOutcome outcome;
  const auto status = work_.transaction([&]() -> Status {
    outcome = IngestOutcome{};
    outcome.rejected = batch.rejected;
    // The tenant's subscribers, read once per batch inside the transaction.
    auto deliveries = outbox_.fanout(site.tenant_id, events::EventType::AttendancePunch);
    if (!deliveries) {
      return deliveries.error();
    }
    // A batch mostly repeats one terminal and a few users: each is read once per batch, which
    // saves a round trip per punch on PostgreSQL.
    std::map<std::string, DeviceState> devices;
    std::map<std::string, std::string> user_names;
    const auto deviceOf = [&](const contract::Punch& punch) -> Result<DeviceState> {
      if (const auto known = devices.find(punch.device_serial); known != devices.end()) {
        return known->second;
      }
      auto device = devices_.find(site.tenant_id, punch.device_serial);
      if (!device) {
        return device.error();
      }
      if (!*device) {
        // A terminal the tenant does not have yet is registered as pending, so no punch is
        // refused for it. Another node may register it at the same moment: then its row is
        // the one that counts.
        auto added = devices_.addPending(site, punch.device_serial, punch.device_name, now);
        if (!added) {
          return added.error();
        }
        if (!*added) {
          device = devices_.find(site.tenant_id, punch.device_serial);
          if (!device) {
            return device.error();
          }
        }
      }
      const DeviceState state =
          *device ? **device : DeviceState{site.id, punch.device_name, "", false};
      devices.emplace(punch.device_serial, state);
      return state;
    };
    const auto userName = [&](const std::string& user_id) -> Result<std::string> {
      if (const auto known = user_names.find(user_id); known != user_names.end()) {
        return known->second;
      }
      auto user = users_.findUser(site.tenant_id, user_id);
      if (!user) {
        return user.error();
      }
      return user_names.emplace(user_id, *user ? (*user)->name : "").first->second;
    };
    for (const auto& received : batch.punches) {
      const contract::Punch& punch = received.punch;
      auto device = deviceOf(punch);
      if (!device) {
        return device.error();
      }
      auto added = punches_.appendPunch(site, received, now);
      if (!added) {
        return added.error();
      }
      outcome.acked.push_back(punch.event_id);
      if (!*added) {
        continue;  // a replay: stored before, its deliveries queued then
      }
      ++outcome.stored_new;
      if (!(*deliveries)->hasSubscribers()) {
        continue;
      }
      auto name = userName(punch.user_id);
      if (!name) {
        return name.error();
      }
      auto queued =
          (*deliveries)
              ->queue(
                  events::attendancePunch({punch.event_id,
                                           punch.timestamp,
                                           {punch.device_serial, device->name, device->location},
                                           {punch.user_id, *name},
                                           punch.punch_type,
                                           punch.method}),
                  now);
      if (!queued) {
        return queued.error();
      }
      outcome.deliveries_queued += *queued;
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return outcome;
}

}  // namespace punchlink::relay
