// Webhook endpoints over SQL.
#include "store/sql_endpoint_rows.hpp"
#include "store/sql_parts.hpp"

namespace punchlink::relay {

using sql_rows::endpointFrom;
using sql_rows::kSelectEndpoints;
using sql_support::secondsText;
using sql_support::unixMs;

namespace {

Result<std::optional<WebhookEndpoint>> findIn(sql::Database& db,
                                              const std::optional<std::string>& tenant_id,
                                              const std::string& id) {
  auto rows = tenant_id ? db.query(std::string(kSelectEndpoints) + "WHERE id = ? AND tenant_id = ?",
                                   id, *tenant_id)
                        : db.query(std::string(kSelectEndpoints) + "WHERE id = ?", id);
  if (!rows) {
    return rows.error();
  }
  return rows->first(endpointFrom);
}

// The tenant's endpoint, or NotFound.
Result<WebhookEndpoint> requireIn(sql::Database& db,
                                  const std::string& tenant_id,
                                  const std::string& id) {
  auto endpoint = findIn(db, tenant_id, id);
  if (!endpoint) {
    return endpoint.error();
  }
  if (!*endpoint) {
    return makeError(ErrorCode::NotFound, "no webhook endpoint " + id);
  }
  return **endpoint;
}

Result<std::int64_t> insertIn(sql::Database& db, const WebhookEndpoint& endpoint) {
  return db.run(
      "INSERT INTO webhook_endpoints(id, tenant_id, url, secret, events, enabled, created_at, "
      "description, updated_at, max_events_per_request) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
      endpoint.id, endpoint.tenant_id, endpoint.url, endpoint.secret, endpoint.events,
      secondsText(endpoint.created_at), endpoint.description, secondsText(endpoint.updated_at),
      endpoint.max_events_per_request);
}

}  // namespace

Status SqlWebhookEndpoints::createEndpoint(const WebhookEndpoint& endpoint) {
  auto done = sql_.with([&](sql::Database& db) { return insertIn(db, endpoint); });
  return done ? Status{} : Status(done.error());
}

Result<bool> SqlWebhookEndpoints::createEndpointWithin(const WebhookEndpoint& endpoint,
                                                       std::size_t max_per_tenant) {
  return sql_.write([&](sql::Database& db) -> Result<bool> {
    // Other nodes creating for the same tenant wait here (SQLite has one writer anyway).
    if (db.dialect() == sql::Dialect::Postgres) {
      if (auto locked =
              db.run("SELECT id FROM tenants WHERE id = ? FOR UPDATE", endpoint.tenant_id);
          !locked) {
        return locked.error();
      }
    }
    auto count =
        db.scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE tenant_id = ?", endpoint.tenant_id);
    if (!count) {
      return count.error();
    }
    if (static_cast<std::uint64_t>(*count) >= max_per_tenant) {
      return false;
    }
    auto inserted = insertIn(db, endpoint);
    if (!inserted) {
      return inserted.error();
    }
    return true;
  });
}

Result<std::vector<WebhookEndpoint>> SqlWebhookEndpoints::listEndpoints(
    const std::string& tenant_id) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<WebhookEndpoint>> {
    auto rows = db.query(
        std::string(kSelectEndpoints) + "WHERE tenant_id = ? ORDER BY created_at, id", tenant_id);
    if (!rows) {
      return rows.error();
    }
    return rows->all(endpointFrom);
  });
}

Result<std::optional<WebhookEndpoint>> SqlWebhookEndpoints::findEndpoint(
    const std::string& tenant_id, const std::string& id) {
  return sql_.with([&](sql::Database& db) { return findIn(db, tenant_id, id); });
}

Result<WebhookEndpoint> SqlWebhookEndpoints::updateEndpoint(const std::string& tenant_id,
                                                            const std::string& id,
                                                            const EndpointChanges& changes,
                                                            UtcMillis now) {
  const bool enabling = changes.enabled.value_or(false);
  return sql_.write([&](sql::Database& db) -> Result<WebhookEndpoint> {
    if (auto updated = db.run(
            "UPDATE webhook_endpoints SET url = COALESCE(?, url), events = COALESCE(?, events), "
            "description = COALESCE(?, description), enabled = COALESCE(?, enabled), "
            "max_events_per_request = COALESCE(?, max_events_per_request), "
            "disabled_reason = CASE WHEN ? = 1 THEN '' ELSE disabled_reason END, "
            "failing_since_ms = CASE WHEN ? = 1 THEN 0 ELSE failing_since_ms END, updated_at = ? "
            "WHERE id = ? AND tenant_id = ?",
            changes.url, changes.events, changes.description, changes.enabled,
            changes.max_events_per_request, enabling, enabling, secondsText(now), id, tenant_id);
        !updated) {
      return updated.error();
    }
    return requireIn(db, tenant_id, id);
  });
}

Status SqlWebhookEndpoints::deleteEndpoint(const std::string& tenant_id, const std::string& id) {
  return sql_.write([&](sql::Database& db) -> Status {
    if (auto endpoint = requireIn(db, tenant_id, id); !endpoint) {
      return endpoint.error();
    }
    for (const char* sql : {"DELETE FROM webhook_attempts WHERE delivery_id IN "
                            "(SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)",
                            "DELETE FROM webhook_deliveries WHERE endpoint_id = ?",
                            "DELETE FROM webhook_endpoints WHERE id = ?"}) {
      if (auto done = db.run(sql, id); !done) {
        return done.error();
      }
    }
    return {};
  });
}

Result<WebhookEndpoint> SqlWebhookEndpoints::rotateSecret(const std::string& tenant_id,
                                                          const std::string& id,
                                                          const std::string& new_secret,
                                                          UtcMillis previous_expires,
                                                          UtcMillis now) {
  return sql_.write([&](sql::Database& db) -> Result<WebhookEndpoint> {
    if (auto rotated = db.run(
            "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_ms = "
            "?, secret = ?, updated_at = ? WHERE id = ? AND tenant_id = ?",
            unixMs(previous_expires), new_secret, secondsText(now), id, tenant_id);
        !rotated) {
      return rotated.error();
    }
    return requireIn(db, tenant_id, id);
  });
}

Result<std::optional<WebhookEndpoint>> SqlWebhookEndpoints::disableEndpoint(
    const std::string& endpoint_id, const std::string& reason, UtcMillis now) {
  return sql_.write([&](sql::Database& db) -> Result<std::optional<WebhookEndpoint>> {
    auto endpoint = findIn(db, std::nullopt, endpoint_id);
    if (!endpoint) {
      return endpoint.error();
    }
    if (!*endpoint || !(*endpoint)->enabled) {
      return std::optional<WebhookEndpoint>{};
    }
    // Only the node whose update turns it off gets it back: two nodes giving up on the same
    // endpoint at once report it once.
    auto changed = db.run(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? "
        "WHERE id = ? AND enabled = 1",
        reason, secondsText(now), endpoint_id);
    if (!changed) {
      return changed.error();
    }
    return *changed == 1 ? endpoint : std::optional<WebhookEndpoint>{};
  });
}

}  // namespace punchlink::relay
