#include "ingest/punch_ingest.hpp"

#include "events/event_catalogue.hpp"

#include <algorithm>
#include <map>

namespace punchlink::relay {

namespace {

// What one batch reads more than once, read once: a batch mostly repeats one terminal and a few
// users, and each read is a round trip on PostgreSQL. Also the tenant's subscribers per type.
class BatchContext {
 public:
  BatchContext(const PunchIngestParts& parts, const Site& site, UtcMillis now)
      : parts_(parts), site_(site), now_(now) {}

  Result<DeviceState> device(const std::string& serial, const std::string& name) {
    if (const auto known = devices_.find(serial); known != devices_.end()) {
      return known->second;
    }
    auto device = parts_.devices.find(site_.tenant_id, serial);
    if (!device) {
      return device.error();
    }
    if (!*device) {
      // A terminal the tenant does not have yet is registered as pending, so nothing is
      // refused for it. Another node may register it at the same moment: then its row is the
      // one that counts.
      auto added = parts_.devices.addPending(site_, serial, name, now_);
      if (!added) {
        return added.error();
      }
      if (!*added) {
        device = parts_.devices.find(site_.tenant_id, serial);
        if (!device) {
          return device.error();
        }
      }
    }
    const DeviceState state = *device ? **device : DeviceState{site_.id, name, "", false};
    devices_.emplace(serial, state);
    return state;
  }

  Result<std::string> userName(const std::string& user_id) {
    if (const auto known = user_names_.find(user_id); known != user_names_.end()) {
      return known->second;
    }
    auto user = parts_.users.findUser(site_.tenant_id, user_id);
    if (!user) {
      return user.error();
    }
    return user_names_.emplace(user_id, *user ? (*user)->name : "").first->second;
  }

  Result<EventFanout*> fanout(events::EventType type) {
    if (const auto known = fanouts_.find(type); known != fanouts_.end()) {
      return known->second.get();
    }
    auto made = parts_.outbox.fanout(site_.tenant_id, type);
    if (!made) {
      return made.error();
    }
    return fanouts_.emplace(type, std::move(*made)).first->second.get();
  }

 private:
  const PunchIngestParts& parts_;
  const Site& site_;
  UtcMillis now_;
  std::map<std::string, DeviceState> devices_;
  std::map<std::string, std::string> user_names_;
  std::map<events::EventType, EventFanoutPtr> fanouts_;
};

// A site cannot speak for another site's terminal (as for statuses, status_ingest.cpp): its
// punches would land under the other site and its events would open doors in the webhooks.
bool belongsElsewhere(const DeviceState& device,
                      const Site& site,
                      const std::string& serial,
                      IngestOutcome& outcome) {
  if (device.site_id.empty() || device.site_id == site.id) {
    return false;
  }
  outcome.withheld.emplace(serial, device.site_id);
  return true;
}

}  // namespace

Result<IngestOutcome> PunchIngest::ingest(const Site& site,
                                          const contract::PunchBatch& batch,
                                          UtcMillis now) {
  IngestOutcome outcome;
  const auto status = parts_.work.transaction([&]() -> Status {
    outcome = IngestOutcome{};
    outcome.rejected = batch.rejected;
    BatchContext context(parts_, site, now);
    for (const auto& received : batch.punches) {
      const contract::Punch& punch = received.punch;
      auto device = context.device(punch.device_serial, punch.device_name);
      if (!device) {
        return device.error();
      }
      if (belongsElsewhere(*device, site, punch.device_serial, outcome)) {
        continue;
      }
      auto added = parts_.punches.appendPunch(site, received, now);
      if (!added) {
        return added.error();
      }
      outcome.acked.push_back(punch.event_id);
      if (!*added) {
        continue;  // a replay: stored before, its deliveries queued then
      }
      ++outcome.stored_new;
      if (std::find(punch.flags.begin(), punch.flags.end(), contract::kClockSuspect) !=
          punch.flags.end()) {
        ++outcome.clock_suspect;
      }
      auto deliveries = context.fanout(events::EventType::AttendancePunch);
      if (!deliveries) {
        return deliveries.error();
      }
      if (!(*deliveries)->hasSubscribers()) {
        continue;
      }
      auto name = context.userName(punch.user_id);
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
                                           punch.method,
                                           punch.temperature,
                                           punch.mask_detected,
                                           punch.flags}),
                  now);
      if (!queued) {
        return queued.error();
      }
      outcome.deliveries_queued += *queued;
    }
    for (const auto& received : batch.events) {
      const contract::DeviceEvent& event = received.event;
      const auto type = events::eventTypeOf(event.type);
      auto device = context.device(event.device_serial, event.device_name);
      if (!device) {
        return device.error();
      }
      if (belongsElsewhere(*device, site, event.device_serial, outcome)) {
        continue;
      }
      auto added =
          parts_.device_events.appendEvent(site,
                                           {event.event_id, event.device_serial,
                                            std::string(contract::deviceEventTypeName(event.type)),
                                            event.timestamp, received.payload},
                                           now);
      if (!added) {
        return added.error();
      }
      outcome.acked.push_back(event.event_id);
      if (!*added || !type) {
        continue;
      }
      ++outcome.events_stored;
      auto deliveries = context.fanout(*type);
      if (!deliveries) {
        return deliveries.error();
      }
      if (!(*deliveries)->hasSubscribers()) {
        continue;
      }
      std::string user_name;
      if (!event.user_id.empty()) {
        auto name = context.userName(event.user_id);
        if (!name) {
          return name.error();
        }
        user_name = *name;
      }
      events::DeviceEventFacts facts;
      facts.type = *type;
      facts.event_id = event.event_id;
      facts.timestamp = event.timestamp;
      facts.device = {event.device_serial, device->name, device->location};
      facts.user = {event.user_id, user_name};
      facts.local_time = event.local_time;
      facts.code = event.code;
      facts.door = event.door;
      facts.source = event.source;
      facts.drift_s = event.drift_s;
      facts.device_time = event.device_time;
      facts.corrected = event.corrected;
      auto queued = (*deliveries)->queue(events::deviceEvent(facts), now);
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

Result<std::vector<IngestOutcome>> PunchIngest::ingestAll(
    const std::vector<std::pair<Site, contract::PunchBatch>>& batches, UtcMillis now) {
  std::vector<IngestOutcome> outcomes;
  const Status done = parts_.work.transaction(
      [&]() -> Status {
        outcomes.clear();
        for (const auto& [site, batch] : batches) {
          auto outcome = ingest(site, batch, now);
          if (!outcome) {
            return outcome.error();
          }
          outcomes.push_back(std::move(*outcome));
        }
        return {};
      },
      Durability::Full);
  if (!done) {
    return done.error();
  }
  return outcomes;
}

}  // namespace punchlink::relay
