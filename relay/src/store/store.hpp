// Store: everything the relay keeps, as narrow parts, one per group of callers (tenants and
// keys, terminals, punches, users and commands, the API guard, webhook endpoints and
// deliveries, the event outbox). Callers are handed the parts they use, never the whole store;
// services combine parts into one commit through unitOfWork(). The SQL implementation runs on
// SQLite (the default) and PostgreSQL (several relay nodes); no part knows which.
#pragma once

#include "store/api_guard_store.hpp"
#include "store/command_log.hpp"
#include "store/console_sessions.hpp"
#include "store/delivery_queue.hpp"
#include "store/device_event_log.hpp"
#include "store/device_registry.hpp"
#include "store/event_outbox.hpp"
#include "store/punch_ledger.hpp"
#include "store/tenants.hpp"
#include "store/unit_of_work.hpp"
#include "store/user_directory.hpp"
#include "store/webhook_endpoints.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/result.hpp>

#include <memory>
#include <string>

namespace punchlink::relay {

class Store {
 public:
  virtual ~Store() = default;

  // Applies pending schema migrations; idempotent.
  virtual Status migrate() = 0;

  virtual UnitOfWork& unitOfWork() = 0;
  virtual Tenants& tenants() = 0;
  virtual ApiKeys& apiKeys() = 0;
  virtual DeviceRegistry& devices() = 0;
  virtual DeviceSightings& sightings() = 0;
  virtual PunchLedger& punches() = 0;
  virtual DeviceEventLog& deviceEvents() = 0;
  virtual UserDirectory& users() = 0;
  virtual CommandLog& commands() = 0;
  virtual ApiGuardStore& apiGuard() = 0;
  virtual WebhookEndpoints& endpoints() = 0;
  virtual DeliveryQueue& deliveryQueue() = 0;
  virtual DeliveryLog& deliveryLog() = 0;
  virtual EventOutbox& outbox() = 0;
  virtual ConsoleSessions& consoleSessions() = 0;

  // Threads that can use the store at once, each over its own connection.
  virtual std::size_t connections() const = 0;
};

using StorePtr = std::unique_ptr<Store>;

// "postgres://…" or "postgresql://…" (a libpq URI), "sqlite:PATH" or a plain SQLite path.
// `clock` stamps the rows the parts create on their own (tenants, keys, devices). On PostgreSQL
// the store opens `connections` connections, which threads of this process use at once; SQLite
// always has one.
Result<StorePtr> openStore(const std::string& location,
                           const Clock& clock,
                           std::size_t connections = 1);

}  // namespace punchlink::relay
