// The transactional outbox of webhook events: called inside the transaction that makes the
// change an event reports (a punch stored, a terminal gone offline, a command finished), it
// queues one delivery per enabled endpoint of the tenant subscribed to the event's type, so the
// change and its deliveries commit together or not at all.
#pragma once

#include "events/event_catalogue.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace punchlink::relay {

// The subscribed endpoints of one tenant for one event type, read once (a batch of punches
// shares them).
class EventFanout {
 public:
  virtual ~EventFanout() = default;
  virtual bool hasSubscribers() const noexcept = 0;
  // Queues the event for every subscriber (once per endpoint and event id); how many are new.
  virtual Result<std::size_t> queue(const events::Event& event, UtcMillis now) = 0;
};

using EventFanoutPtr = std::unique_ptr<EventFanout>;

class EventOutbox {
 public:
  virtual ~EventOutbox() = default;
  virtual Result<EventFanoutPtr> fanout(const std::string& tenant_id, events::EventType type) = 0;
  // An event that is not a punch (punches have their own table): kept in the events table and,
  // when it is new there, queued for its subscribers. How many deliveries are new.
  virtual Result<std::size_t> record(const std::string& tenant_id,
                                     const events::Event& event,
                                     UtcMillis now) = 0;
};

}  // namespace punchlink::relay
