#include "sql_store.hpp"

#include "store/delivery_queue.hpp"
#include "store/sql_dialect.hpp"
#include "store/sql_support.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/crypto.hpp>
#include <punchlink/contract/topics.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <map>

namespace punchlink::relay {

using sql_support::newId;
using sql_support::nowText;
using sql_support::rfc3339;

namespace {

// Versioned migrations, applied in order once each. SQL kept portable (TEXT timestamps in
// RFC 3339, no SQLite-only types) so the PostgreSQL store can share the schema's shape.
constexpr std::array<std::string_view, 6> kMigrations = {R"SQL(
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  mode TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  created_at TEXT NOT NULL
);
CREATE TABLE devices (
  serial TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  site_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  registration TEXT NOT NULL,
  status_json TEXT,
  online INTEGER NOT NULL DEFAULT 0,
  last_seen TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE punches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  device_serial TEXT NOT NULL,
  user_id TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  punch_type TEXT,
  method TEXT,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX punches_by_tenant_time ON punches(tenant_id, timestamp, seq);
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX deliveries_due ON webhook_deliveries(state, next_attempt_at);
)SQL",
                                                         R"SQL(
CREATE TABLE users (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  user_id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  card INTEGER NOT NULL DEFAULT 0,
  privilege INTEGER NOT NULL DEFAULT 0,
  template_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);
CREATE TABLE commands (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  site_id TEXT NOT NULL,
  device_serial TEXT NOT NULL,
  type TEXT NOT NULL,
  user_id TEXT,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  error TEXT,
  result TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX commands_by_user ON commands(tenant_id, user_id, created_at);
)SQL",
                                                         R"SQL(
CREATE TABLE rate_limit_windows (
  key_id TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  PRIMARY KEY (key_id, window_start)
);
CREATE TABLE idempotency_keys (
  key_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (key_id, idempotency_key)
);
)SQL",
                                                         R"SQL(
ALTER TABLE webhook_endpoints ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN failing_since_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN due_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN lease_until_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN delivered_at TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_by_endpoint_due ON webhook_deliveries(endpoint_id, state, due_ms);
CREATE INDEX deliveries_by_endpoint ON webhook_deliveries(tenant_id, endpoint_id, id);
CREATE TABLE webhook_attempts (
  delivery_id BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  latency_ms BIGINT NOT NULL,
  error TEXT NOT NULL,
  response_excerpt TEXT NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE events (
  event_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
)SQL",
                                                         R"SQL(
ALTER TABLE sites ADD COLUMN agent_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN agent_status TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN agent_seen_at TEXT NOT NULL DEFAULT '';
)SQL",
                                                         // due_ms (4) took over from the text
                                                         // column; nothing read it any more.
                                                         R"SQL(
DROP INDEX deliveries_due;
ALTER TABLE webhook_deliveries DROP COLUMN next_attempt_at;
CREATE INDEX deliveries_by_state ON webhook_deliveries(state);
)SQL"};

// One column list and one mapping per record type, shared by every query that returns it.
constexpr std::string_view kSelectUsers =
    "SELECT tenant_id, user_id, name, department, card, privilege, template_count, created_at, "
    "updated_at FROM users ";

UserRecord userFrom(sql::Statement& row) {
  return {row.text(0),    row.text(1),    row.text(2), row.text(3), row.integer(4),
          row.integer(5), row.integer(6), row.text(7), row.text(8)};
}

constexpr std::string_view kSelectCommands =
    "SELECT id, tenant_id, site_id, device_serial, type, COALESCE(user_id, ''), payload, state, "
    "COALESCE(error, ''), COALESCE(result, ''), created_at, updated_at FROM commands ";

CommandRecord commandFrom(sql::Statement& row) {
  return {row.text(0), row.text(1), row.text(2), row.text(3), row.text(4),  row.text(5),
          row.text(6), row.text(7), row.text(8), row.text(9), row.text(10), row.text(11)};
}

// The terminal's name as the agent's configuration gives it in a status message, if any.
std::string configuredName(const std::string& status_json) {
  const auto status = nlohmann::json::parse(status_json, nullptr, false);
  if (!status.is_object()) {
    return "";
  }
  const auto name = status.find("name");
  return name != status.end() && name->is_string() ? name->get<std::string>() : "";
}

}  // namespace

Result<std::unique_ptr<SqlStore>> SqlStore::open(const std::string& location) {
  auto db = sql::open(location);
  if (!db) {
    return db.error();
  }
  return std::unique_ptr<SqlStore>(new SqlStore(std::move(*db)));
}

Status SqlStore::migrate() {
  const std::lock_guard lock(mutex_);
  // Nodes starting together: the first applies the migrations, the others wait and find them
  // applied.
  if (auto locked = db_->lockSchema(); !locked) {
    return locked;
  }
  Status status = applyMigrations();
  db_->unlockSchema();
  return status;
}

Status SqlStore::applyMigrations() {
  if (auto created = db_->exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                               "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
      !created) {
    return created;
  }
  for (std::size_t i = 0; i < kMigrations.size(); ++i) {
    const auto version = static_cast<std::int64_t>(i + 1);
    auto applied = db_->prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
    if (!applied) {
      return applied.error();
    }
    applied->bind(1, version);
    auto row = applied->step();
    if (!row) {
      return row.error();
    }
    if (*row) {
      continue;
    }
    const std::string ddl = db_->dialect() == sql::Dialect::Postgres
                                ? sql::postgresSchema(kMigrations[i])
                                : std::string(kMigrations[i]);
    auto status = db_->transaction([&]() -> Status {
      if (auto done = db_->exec(ddl); !done) {
        return done;
      }
      auto record =
          db_->prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)");
      if (!record) {
        return record.error();
      }
      record->bind(1, version).bind(2, nowText());
      return record->run();
    });
    if (!status) {
      return makeError(ErrorCode::Internal, "migration " + std::to_string(version) +
                                                " failed: " + status.error().message);
    }
  }
  return {};
}

Result<Tenant> SqlStore::createTenant(const std::string& name) {
  if (name.empty() || name.size() > 200) {
    return makeError(ErrorCode::InvalidInput, "tenant name must be 1 to 200 characters");
  }
  const std::lock_guard lock(mutex_);
  Tenant tenant{newId("ten_"), name, nowText()};
  auto statement = db_->prepare("INSERT INTO tenants(id, name, created_at) VALUES (?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant.id).bind(2, tenant.name).bind(3, tenant.created_at);
  if (auto done = statement->run(); !done) {
    return done.error();
  }
  return tenant;
}

Result<std::vector<Tenant>> SqlStore::listTenants() {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare("SELECT id, name, created_at FROM tenants ORDER BY created_at, id");
  if (!statement) {
    return statement.error();
  }
  return statement->all([](sql::Statement& row) {
    return Tenant{row.text(0), row.text(1), row.text(2)};
  });
}

Result<std::optional<Tenant>> SqlStore::findTenant(const std::string& id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare("SELECT id, name, created_at FROM tenants WHERE id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, id);
  return statement->first([](sql::Statement& row) {
    return Tenant{row.text(0), row.text(1), row.text(2)};
  });
}

Result<NewApiKey> SqlStore::createApiKey(const std::string& tenant_id,
                                         bool live,
                                         const std::string& label) {
  auto tenant = findTenant(tenant_id);
  if (!tenant) {
    return tenant.error();
  }
  if (!tenant->has_value()) {
    return makeError(ErrorCode::NotFound, "no tenant " + tenant_id,
                     "list tenants with: punchlink-relay tenants list");
  }
  const std::lock_guard lock(mutex_);
  NewApiKey key;
  key.secret = std::string(live ? "sk_live_" : "sk_test_") + crypto::randomHexToken(24);
  key.info = {newId("key_"), tenant_id,   key.secret.substr(0, 12), live ? "live" : "test", label,
              nowText(),     std::nullopt};
  auto statement = db_->prepare(
      "INSERT INTO api_keys(id, tenant_id, prefix, key_hash, mode, label, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, key.info.id)
      .bind(2, tenant_id)
      .bind(3, key.info.prefix)
      .bind(4, crypto::toHex(crypto::sha256(key.secret)))
      .bind(5, key.info.mode)
      .bind(6, label)
      .bind(7, key.info.created_at);
  if (auto done = statement->run(); !done) {
    return done.error();
  }
  return key;
}

Result<std::vector<ApiKeyInfo>> SqlStore::listApiKeys(const std::string& tenant_id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "SELECT id, tenant_id, prefix, mode, label, created_at, revoked_at FROM api_keys "
      "WHERE tenant_id = ? ORDER BY created_at, id");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id);
  std::vector<ApiKeyInfo> out;
  while (true) {
    auto row = statement->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      break;
    }
    out.push_back(
        {statement->text(0), statement->text(1), statement->text(2), statement->text(3),
         statement->text(4), statement->text(5),
         statement->isNull(6) ? std::nullopt : std::optional<std::string>(statement->text(6))});
  }
  return out;
}

Status SqlStore::revokeApiKey(const std::string& key_id) {
  const std::lock_guard lock(mutex_);
  auto statement =
      db_->prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, nowText()).bind(2, key_id);
  if (auto done = statement->run(); !done) {
    return done;
  }
  if (db_->changes() == 0) {
    return makeError(ErrorCode::NotFound, "no active API key " + key_id);
  }
  return {};
}

Result<std::optional<ApiKeyInfo>> SqlStore::authenticate(const std::string& secret) {
  // Looked up by hash: the index finds the row, and the secret itself is never stored or
  // compared byte by byte.
  const std::string hash = crypto::toHex(crypto::sha256(secret));
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "SELECT id, tenant_id, prefix, mode, label, created_at, key_hash FROM api_keys "
      "WHERE key_hash = ? AND revoked_at IS NULL");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, hash);
  auto row = statement->step();
  if (!row) {
    return row.error();
  }
  if (!*row || !crypto::constantTimeEqual(statement->text(6), hash)) {
    return std::optional<ApiKeyInfo>{};
  }
  return std::optional<ApiKeyInfo>(
      ApiKeyInfo{statement->text(0), statement->text(1), statement->text(2), statement->text(3),
                 statement->text(4), statement->text(5), std::nullopt});
}

Result<Site> SqlStore::createSite(const std::string& tenant_id, const std::string& site_id) {
  auto tenant = findTenant(tenant_id);
  if (!tenant) {
    return tenant.error();
  }
  if (!tenant->has_value()) {
    return makeError(ErrorCode::NotFound, "no tenant " + tenant_id,
                     "list tenants with: punchlink-relay tenants list");
  }
  if (!contract::isValidSiteId(site_id)) {
    return makeError(ErrorCode::InvalidInput,
                     "site id must be 1-64 characters from a-z, A-Z, 0-9, '-', '_' and '.'");
  }
  const std::lock_guard lock(mutex_);
  Site site{site_id, tenant_id, nowText()};
  auto statement = db_->prepare("INSERT INTO sites(id, tenant_id, created_at) VALUES (?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, site.id).bind(2, tenant_id).bind(3, site.created_at);
  if (auto done = statement->run(); !done) {
    return makeError(ErrorCode::Conflict, "site " + site_id + " already exists");
  }
  return site;
}

Result<std::optional<Site>> SqlStore::findSite(const std::string& site_id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare("SELECT id, tenant_id, created_at FROM sites WHERE id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, site_id);
  return statement->first([](sql::Statement& row) {
    return Site{row.text(0), row.text(1), row.text(2)};
  });
}

Result<IngestOutcome> SqlStore::ingest(const Site& site,
                                       const contract::PunchBatch& batch,
                                       UtcSeconds now) {
  const std::lock_guard lock(mutex_);
  IngestOutcome outcome;
  outcome.rejected = batch.rejected;
  const std::string received_at = rfc3339(now);
  auto device_owner =
      db_->prepare("SELECT tenant_id, name, location FROM devices WHERE serial = ?");
  auto add_device = db_->prepare(
      "INSERT INTO devices(serial, tenant_id, site_id, name, registration, created_at) "
      "VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT(serial) DO NOTHING");
  auto insert_punch = db_->prepare(
      "INSERT INTO punches(event_id, tenant_id, site_id, device_serial, user_id, timestamp, "
      "punch_type, method, payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(event_id) DO NOTHING");
  auto user_name = db_->prepare("SELECT name FROM users WHERE tenant_id = ? AND user_id = ?");
  for (auto* statement : {&device_owner, &add_device, &insert_punch, &user_name}) {
    if (!*statement) {
      return statement->error();
    }
  }
  const std::int64_t now_ms = epochMillis(now);
  auto status = db_->transaction([&]() -> Status {
    // The tenant's subscribed endpoints, read once per batch, inside the transaction. Preparing
    // the queue also joins the append barrier (sql::Database::appendingRows), which covers the
    // punches' seq as well as the deliveries' ids.
    auto deliveries =
        DeliveryQueue::prepare(*db_, site.tenant_id, events::EventType::AttendancePunch);
    if (!deliveries) {
      return deliveries.error();
    }
    // The terminal's owner, name and location, if it is known.
    const auto lookup_device =
        [&](const std::string& serial) -> Result<std::optional<std::array<std::string, 3>>> {
      device_owner->reset();
      device_owner->bind(1, serial);
      auto found = device_owner->first([](sql::Statement& row) {
        return std::array<std::string, 3>{row.text(0), row.text(1), row.text(2)};
      });
      device_owner->reset();
      return found;
    };
    // A batch mostly repeats one terminal and a few users: each is read once per batch, which
    // saves a round trip per punch on PostgreSQL.
    std::map<std::string, std::optional<std::array<std::string, 3>>> devices;
    std::map<std::string, std::string> user_names;
    const auto resolve_device =
        [&](const contract::Punch& punch) -> Result<std::optional<std::array<std::string, 3>>> {
      if (const auto known = devices.find(punch.device_serial); known != devices.end()) {
        return known->second;
      }
      auto device = lookup_device(punch.device_serial);
      if (device && !*device) {
        // Unknown terminals are registered as pending, so no punch is refused for it. Another
        // node may register it at the same moment: then its row is the one that counts.
        add_device->reset();
        add_device->bind(1, punch.device_serial)
            .bind(2, site.tenant_id)
            .bind(3, site.id)
            .bind(4, punch.device_name)
            .bind(5, received_at);
        if (auto done = add_device->run(); !done) {
          return done.error();
        }
        device = db_->changes() == 1
                     ? Result<std::optional<std::array<std::string, 3>>>(
                           std::array<std::string, 3>{site.tenant_id, punch.device_name, ""})
                     : lookup_device(punch.device_serial);
      }
      if (device) {
        devices.emplace(punch.device_serial, *device);
      }
      return device;
    };
    for (const auto& received : batch.punches) {
      const contract::Punch& punch = received.punch;
      auto device = resolve_device(punch);
      if (!device) {
        return device.error();
      }
      if (!*device || (**device)[0] != site.tenant_id) {
        outcome.rejected.push_back(
            {punch.event_id, "device " + punch.device_serial + " belongs to another tenant"});
        continue;
      }
      const std::string& device_name = (**device)[1];
      const std::string& device_location = (**device)[2];
      insert_punch->reset();
      insert_punch->bind(1, punch.event_id)
          .bind(2, site.tenant_id)
          .bind(3, site.id)
          .bind(4, punch.device_serial)
          .bind(5, punch.user_id)
          .bind(6, punch.timestamp)
          .bind(7, punch.punch_type)
          .bind(8, punch.method)
          .bind(9, received.payload)
          .bind(10, received_at);
      if (auto done = insert_punch->run(); !done) {
        return done;
      }
      outcome.acked.push_back(punch.event_id);
      if (db_->changes() == 0) {
        continue;  // a replay: stored before, its deliveries queued then
      }
      ++outcome.stored_new;
      if (!deliveries->hasEndpoints()) {
        continue;
      }
      auto name = user_names.find(punch.user_id);
      if (name == user_names.end()) {
        user_name->reset();
        user_name->bind(1, site.tenant_id).bind(2, punch.user_id);
        auto found = user_name->first([](sql::Statement& row) { return row.text(0); });
        user_name->reset();
        if (!found) {
          return found.error();
        }
        name = user_names.emplace(punch.user_id, found->value_or("")).first;
      }
      const auto event =
          events::attendancePunch({punch.event_id,
                                   punch.timestamp,
                                   {punch.device_serial, device_name, device_location},
                                   {punch.user_id, name->second},
                                   punch.punch_type,
                                   punch.method});
      auto queued = deliveries->queue(event.id, event.body, now_ms);
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

Status SqlStore::recordDeviceStatus(const Site& site,
                                    const std::string& serial,
                                    const std::string& status_json,
                                    bool online,
                                    UtcSeconds now) {
  const std::lock_guard lock(mutex_);
  return db_->transaction([&]() -> Status {
    // Every node takes every status message. On PostgreSQL the row stays locked until commit,
    // so of two nodes recording the same change only the first sees it as a change and makes
    // its event.
    auto before =
        db_->prepare(std::string("SELECT tenant_id, online FROM devices WHERE serial = ?") +
                     (db_->dialect() == sql::Dialect::Postgres ? " FOR UPDATE" : ""));
    if (!before) {
      return before.error();
    }
    before->bind(1, serial);
    auto previous = before->first([](sql::Statement& row) {
      return std::pair{row.text(0), row.integer(1) != 0};
    });
    if (!previous) {
      return previous.error();
    }
    if (*previous && (*previous)->first != site.tenant_id) {
      return {};  // another tenant's terminal: never touched from this site
    }
    // A terminal first seen by its status (a push terminal calls before it has punches) takes
    // its configured name from the status, as one first seen by a punch does; a name set
    // through the API is kept.
    auto statement = db_->prepare(
        "INSERT INTO devices(serial, tenant_id, site_id, registration, status_json, online, "
        "last_seen, created_at, name) "
        "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?) "
        "ON CONFLICT(serial) DO UPDATE SET status_json = excluded.status_json, online = "
        "excluded.online, last_seen = excluded.last_seen, site_id = excluded.site_id, "
        "name = CASE WHEN devices.name = '' THEN excluded.name ELSE devices.name END "
        "WHERE devices.tenant_id = excluded.tenant_id");
    if (!statement) {
      return statement.error();
    }
    statement->bind(1, serial)
        .bind(2, site.tenant_id)
        .bind(3, site.id)
        .bind(4, status_json)
        .bind(5, std::int64_t{online ? 1 : 0})
        .bind(6, rfc3339(now))
        .bind(7, rfc3339(now))
        .bind(8, configuredName(status_json));
    if (auto done = statement->run(); !done) {
      return done;
    }
    const bool was_online = *previous && (*previous)->second;
    if (was_online == online) {
      return {};
    }
    return queueDeviceEvent(site.tenant_id, serial, online, now);
  });
}

Status SqlStore::recordAgentStatus(const Site& site,
                                   const std::string& status_json,
                                   bool online,
                                   UtcSeconds now) {
  const std::lock_guard lock(mutex_);
  return db_->transaction([&]() -> Status {
    auto update = db_->prepare(
        "UPDATE sites SET agent_online = ?, agent_status = ?, agent_seen_at = ? WHERE id = ?");
    if (!update) {
      return update.error();
    }
    update->bind(1, std::int64_t{online ? 1 : 0})
        .bind(2, status_json)
        .bind(3, rfc3339(now))
        .bind(4, site.id);
    if (auto done = update->run(); !done) {
      return done;
    }
    if (online) {
      return {};  // its terminals report their own state
    }
    // An agent that is gone cannot vouch for its terminals: their retained statuses would say
    // "online" forever. Each goes offline, with its event.
    auto devices = db_->prepare(
        "SELECT serial FROM devices WHERE site_id = ? AND tenant_id = ? AND online = 1");
    if (!devices) {
      return devices.error();
    }
    devices->bind(1, site.id).bind(2, site.tenant_id);
    std::vector<std::string> serials;
    if (auto done = devices->each([&](sql::Statement& row) { serials.push_back(row.text(0)); });
        !done) {
      return done;
    }
    // Every node takes every status message: the node whose update turns a terminal offline
    // records the event, the other finds it offline already.
    auto offline = db_->prepare("UPDATE devices SET online = 0 WHERE serial = ? AND online = 1");
    if (!offline) {
      return offline.error();
    }
    for (const auto& serial : serials) {
      offline->reset();
      offline->bind(1, serial);
      if (auto done = offline->run(); !done) {
        return done;
      }
      if (db_->changes() == 0) {
        continue;
      }
      if (auto queued = queueDeviceEvent(site.tenant_id, serial, false, now); !queued) {
        return queued;
      }
    }
    return {};
  });
}

Result<std::int64_t> SqlStore::scalar(const std::string& sql, const std::string& bind) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(sql);
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, bind);
  auto row = statement->step();
  if (!row) {
    return row.error();
  }
  return *row ? statement->integer(0) : 0;
}

Result<std::int64_t> SqlStore::countPunches(const std::string& tenant_id) {
  return scalar("SELECT COUNT(*) FROM punches WHERE tenant_id = ?", tenant_id);
}

Result<std::int64_t> SqlStore::countQueuedDeliveries(const std::string& tenant_id) {
  return scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id = ?", tenant_id);
}

Result<std::vector<Device>> SqlStore::queryDevices(const std::string& where,
                                                   const std::string& tenant_id,
                                                   const std::string& serial) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "SELECT serial, tenant_id, COALESCE(site_id, ''), name, location, registration, "
      "COALESCE(status_json, ''), online, COALESCE(last_seen, ''), created_at FROM devices "
      "WHERE tenant_id = ?" +
      where + " ORDER BY serial");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id);
  if (!serial.empty()) {
    statement->bind(2, serial);
  }
  return statement->all([](sql::Statement& row) {
    return Device{row.text(0), row.text(1), row.text(2),         row.text(3), row.text(4),
                  row.text(5), row.text(6), row.integer(7) != 0, row.text(8), row.text(9)};
  });
}

Result<Device> SqlStore::registerDevice(const std::string& tenant_id,
                                        const std::string& serial,
                                        const std::string& name,
                                        const std::string& location) {
  {
    const std::lock_guard lock(mutex_);
    auto owner = db_->prepare("SELECT tenant_id, registration FROM devices WHERE serial = ?");
    if (!owner) {
      return owner.error();
    }
    owner->bind(1, serial);
    auto row = owner->step();
    if (!row) {
      return row.error();
    }
    if (*row && (owner->text(0) != tenant_id || owner->text(1) == "registered")) {
      return makeError(ErrorCode::Conflict, "device " + serial + " is already registered");
    }
    // A pending device (seen in punches before) becomes registered; otherwise a new row.
    auto upsert = db_->prepare(
        "INSERT INTO devices(serial, tenant_id, name, location, registration, created_at) "
        "VALUES (?, ?, ?, ?, 'registered', ?) ON CONFLICT(serial) DO UPDATE SET "
        "name = excluded.name, location = excluded.location, registration = 'registered' "
        "WHERE devices.tenant_id = excluded.tenant_id");
    if (!upsert) {
      return upsert.error();
    }
    upsert->bind(1, serial).bind(2, tenant_id).bind(3, name).bind(4, location).bind(5, nowText());
    if (auto done = upsert->run(); !done) {
      return done.error();
    }
  }
  auto device = findDevice(tenant_id, serial);
  if (!device) {
    return device.error();
  }
  return device->value();
}

Result<std::vector<Device>> SqlStore::listDevices(const std::string& tenant_id) {
  return queryDevices("", tenant_id, "");
}

Result<std::optional<Device>> SqlStore::findDevice(const std::string& tenant_id,
                                                   const std::string& serial) {
  auto devices = queryDevices(" AND serial = ?", tenant_id, serial);
  if (!devices) {
    return devices.error();
  }
  if (devices->empty()) {
    return std::optional<Device>{};
  }
  return std::optional<Device>(devices->front());
}

Result<Device> SqlStore::updateDevice(const std::string& tenant_id,
                                      const std::string& serial,
                                      const std::optional<std::string>& name,
                                      const std::optional<std::string>& location) {
  {
    const std::lock_guard lock(mutex_);
    auto statement = db_->prepare(
        "UPDATE devices SET name = COALESCE(?, name), location = COALESCE(?, location) "
        "WHERE tenant_id = ? AND serial = ?");
    if (!statement) {
      return statement.error();
    }
    if (name) {
      statement->bind(1, *name);
    } else {
      statement->bindNull(1);
    }
    if (location) {
      statement->bind(2, *location);
    } else {
      statement->bindNull(2);
    }
    statement->bind(3, tenant_id).bind(4, serial);
    if (auto done = statement->run(); !done) {
      return done.error();
    }
    if (db_->changes() == 0) {
      return makeError(ErrorCode::NotFound, "no device " + serial);
    }
  }
  return findDevice(tenant_id, serial)->value();
}

Status SqlStore::deleteDevice(const std::string& tenant_id, const std::string& serial) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare("DELETE FROM devices WHERE tenant_id = ? AND serial = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, serial);
  if (auto done = statement->run(); !done) {
    return done;
  }
  if (db_->changes() == 0) {
    return makeError(ErrorCode::NotFound, "no device " + serial);
  }
  return {};
}

Result<std::vector<StoredPunch>> SqlStore::listPunches(const std::string& tenant_id,
                                                       const PunchFilter& filter) {
  // Keyset pagination on seq: a page never shifts when new punches arrive, so paging through
  // any number of rows gives no gaps and no repeats.
  std::string sql = "SELECT seq, payload, received_at FROM punches WHERE tenant_id = ? AND seq > ?";
  std::vector<std::string> binds;
  if (filter.from) {
    sql += " AND timestamp >= ?";
    binds.push_back(*filter.from);
  }
  if (filter.to) {
    sql += " AND timestamp < ?";
    binds.push_back(*filter.to);
  }
  if (filter.user_id) {
    sql += " AND user_id = ?";
    binds.push_back(*filter.user_id);
  }
  if (filter.device_serial) {
    sql += " AND device_serial = ?";
    binds.push_back(*filter.device_serial);
  }
  sql += " ORDER BY seq LIMIT ?";
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(sql);
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, filter.after_seq);
  int index = 3;
  for (const auto& value : binds) {
    statement->bind(index++, value);
  }
  statement->bind(index, static_cast<std::int64_t>(filter.limit + 1));
  if (auto ordered = db_->beginOrderedRead(); !ordered) {
    return ordered.error();
  }
  auto page = statement->all([](sql::Statement& row) {
    return StoredPunch{row.integer(0), row.text(1), row.text(2)};
  });
  db_->endOrderedRead();
  return page;
}

Status SqlStore::upsertUser(const UserRecord& user) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "INSERT INTO users(tenant_id, user_id, name, department, card, privilege, template_count, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(tenant_id, user_id) DO UPDATE SET name = excluded.name, department = "
      "excluded.department, card = excluded.card, privilege = excluded.privilege, "
      "template_count = CASE WHEN users.template_count > excluded.template_count THEN "
      "users.template_count ELSE excluded.template_count END, "
      "updated_at = excluded.updated_at");
  if (!statement) {
    return statement.error();
  }
  const std::string now = nowText();
  statement->bind(1, user.tenant_id)
      .bind(2, user.user_id)
      .bind(3, user.name)
      .bind(4, user.department)
      .bind(5, user.card)
      .bind(6, user.privilege)
      .bind(7, user.template_count)
      .bind(8, now)
      .bind(9, now);
  return statement->run();
}

Result<std::optional<UserRecord>> SqlStore::findUser(const std::string& tenant_id,
                                                     const std::string& user_id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(std::string(kSelectUsers) + "WHERE tenant_id = ? AND user_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, user_id);
  return statement->first(userFrom);
}

Result<std::vector<UserRecord>> SqlStore::listUsers(const std::string& tenant_id,
                                                    const std::string& after_user_id,
                                                    std::size_t limit) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(std::string(kSelectUsers) +
                                "WHERE tenant_id = ? AND user_id > ? ORDER BY user_id LIMIT ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id)
      .bind(2, after_user_id)
      .bind(3, static_cast<std::int64_t>(limit + 1));
  return statement->all(userFrom);
}

Status SqlStore::deleteUser(const std::string& tenant_id, const std::string& user_id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare("DELETE FROM users WHERE tenant_id = ? AND user_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, user_id);
  return statement->run();
}

Result<std::vector<std::string>> SqlStore::enrolledDevices(const std::string& tenant_id,
                                                           const std::string& user_id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "SELECT DISTINCT e.device_serial FROM commands e WHERE e.tenant_id = ? AND e.user_id = ? "
      "AND e.type IN ('enroll_user', 'update_user') AND e.state != 'failed' AND NOT EXISTS ("
      "SELECT 1 FROM commands d WHERE d.tenant_id = e.tenant_id AND d.user_id = e.user_id AND "
      "d.device_serial = e.device_serial AND d.type = 'delete_user' AND d.state = 'succeeded' "
      "AND d.created_at >= e.created_at) ORDER BY e.device_serial");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, user_id);
  return statement->all([](sql::Statement& row) { return row.text(0); });
}

Status SqlStore::createCommand(const CommandRecord& command) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "INSERT INTO commands(id, tenant_id, site_id, device_serial, type, user_id, payload, state, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  const std::string now = nowText();
  statement->bind(1, command.id)
      .bind(2, command.tenant_id)
      .bind(3, command.site_id)
      .bind(4, command.device_serial)
      .bind(5, command.type)
      .bind(6, command.user_id)
      .bind(7, command.payload)
      .bind(8, command.state)
      .bind(9, command.created_at.empty() ? now : command.created_at)
      .bind(10, command.updated_at.empty() ? now : command.updated_at);
  return statement->run();
}

Status SqlStore::updateCommand(const std::string& site_id,
                               const std::string& command_id,
                               const std::string& state,
                               const std::string& error,
                               const std::string& result) {
  const std::lock_guard lock(mutex_);
  return db_->transaction([&]() -> Status {
    // Final states stay final: a late "sent" never overwrites "succeeded".
    auto statement = db_->prepare(
        "UPDATE commands SET state = ?, error = NULLIF(?, ''), result = NULLIF(?, ''), "
        "updated_at = ? WHERE id = ? AND site_id = ? AND state NOT IN ('succeeded', 'failed')");
    if (!statement) {
      return statement.error();
    }
    statement->bind(1, state)
        .bind(2, error)
        .bind(3, result)
        .bind(4, nowText())
        .bind(5, command_id)
        .bind(6, site_id);
    if (auto done = statement->run(); !done) {
      return done;
    }
    if (db_->changes() == 0 || (state != "succeeded" && state != "failed")) {
      return {};
    }
    return queueCommandEvents(command_id);
  });
}

Result<std::optional<CommandRecord>> SqlStore::findCommand(const std::string& tenant_id,
                                                           const std::string& command_id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(std::string(kSelectCommands) + "WHERE tenant_id = ? AND id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, command_id);
  return statement->first(commandFrom);
}

Result<std::vector<CommandRecord>> SqlStore::queuedCommands(std::size_t limit) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(std::string(kSelectCommands) +
                                "WHERE state = 'queued' ORDER BY created_at, id LIMIT ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, static_cast<std::int64_t>(limit));
  return statement->all(commandFrom);
}

Result<std::vector<CommandRecord>> SqlStore::commandsForUser(const std::string& tenant_id,
                                                             const std::string& user_id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(std::string(kSelectCommands) +
                                "WHERE tenant_id = ? AND user_id = ? ORDER BY created_at, id");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, user_id);
  return statement->all(commandFrom);
}

Result<std::int64_t> SqlStore::hitRateLimit(const std::string& key_id, std::int64_t window_start) {
  const std::lock_guard lock(mutex_);
  std::int64_t hits = 0;
  auto status = db_->transaction([&]() -> Status {
    auto upsert = db_->prepare(
        "INSERT INTO rate_limit_windows(key_id, window_start, hits) VALUES (?, ?, 1) "
        "ON CONFLICT(key_id, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1 "
        "RETURNING hits");
    if (!upsert) {
      return upsert.error();
    }
    upsert->bind(1, key_id).bind(2, window_start);
    auto row = upsert->first([](sql::Statement& r) { return r.integer(0); });
    if (!row) {
      return row.error();
    }
    hits = row->value_or(1);
    upsert->reset();
    // Old windows are useless; drop them as we go.
    auto prune =
        db_->prepare("DELETE FROM rate_limit_windows WHERE key_id = ? AND window_start < ?");
    if (!prune) {
      return prune.error();
    }
    prune->bind(1, key_id).bind(2, window_start);
    return prune->run();
  });
  if (!status) {
    return status.error();
  }
  return hits;
}

Result<IdempotencyClaim> SqlStore::claimIdempotencyKey(const std::string& key_id,
                                                       const std::string& idempotency_key,
                                                       const std::string& request_hash,
                                                       std::int64_t now,
                                                       std::int64_t expired_before) {
  const std::lock_guard lock(mutex_);
  IdempotencyClaim claim;
  auto status = db_->transaction([&]() -> Status {
    auto expire = db_->prepare("DELETE FROM idempotency_keys WHERE created_at < ?");
    if (!expire) {
      return expire.error();
    }
    expire->bind(1, expired_before);
    if (auto done = expire->run(); !done) {
      return done;
    }
    // A placeholder (status 0) claims the key, so a concurrent retry cannot run it twice; on
    // another node at the same moment the insert waits for that one's commit and does nothing.
    auto insert = db_->prepare(
        "INSERT INTO idempotency_keys(key_id, idempotency_key, request_hash, status, response, "
        "created_at) VALUES (?, ?, ?, 0, '', ?) "
        "ON CONFLICT(key_id, idempotency_key) DO NOTHING");
    if (!insert) {
      return insert.error();
    }
    insert->bind(1, key_id).bind(2, idempotency_key).bind(3, request_hash).bind(4, now);
    if (auto done = insert->run(); !done) {
      return done;
    }
    if (db_->changes() == 1) {
      claim.kind = IdempotencyClaim::Kind::Claimed;
      return {};
    }
    auto existing = db_->prepare(
        "SELECT request_hash, status, response FROM idempotency_keys "
        "WHERE key_id = ? AND idempotency_key = ?");
    if (!existing) {
      return existing.error();
    }
    existing->bind(1, key_id).bind(2, idempotency_key);
    auto row = existing->first([](sql::Statement& r) {
      return IdempotencyClaim{IdempotencyClaim::Kind::Stored, r.text(0), r.integer(1), r.text(2)};
    });
    if (!row) {
      return row.error();
    }
    // Gone again already (its request failed with a 5xx and freed it): still in progress as
    // far as this request can tell; the client's retry runs it.
    claim =
        row->value_or(IdempotencyClaim{IdempotencyClaim::Kind::InProgress, request_hash, 0, ""});
    if (claim.request_hash != request_hash) {
      claim.kind = IdempotencyClaim::Kind::Mismatch;
    } else if (claim.status == 0) {
      claim.kind = IdempotencyClaim::Kind::InProgress;
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return claim;
}

Status SqlStore::finishIdempotencyKey(const std::string& key_id,
                                      const std::string& idempotency_key,
                                      int http_status,
                                      const std::string& response) {
  const std::lock_guard lock(mutex_);
  if (http_status >= 500) {
    // Not a result worth replaying: free the key so the client's retry runs again.
    auto drop =
        db_->prepare("DELETE FROM idempotency_keys WHERE key_id = ? AND idempotency_key = ?");
    if (!drop) {
      return drop.error();
    }
    drop->bind(1, key_id).bind(2, idempotency_key);
    return drop->run();
  }
  auto update = db_->prepare(
      "UPDATE idempotency_keys SET status = ?, response = ? WHERE key_id = ? AND "
      "idempotency_key = ?");
  if (!update) {
    return update.error();
  }
  update->bind(1, std::int64_t{http_status})
      .bind(2, response)
      .bind(3, key_id)
      .bind(4, idempotency_key);
  return update->run();
}

Result<StorePtr> openStore(const std::string& location) {
  auto store = SqlStore::open(location);
  if (!store) {
    return store.error();
  }
  return StorePtr(std::move(store.value()));
}

}  // namespace punchlink::relay
