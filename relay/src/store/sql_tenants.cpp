// Tenants, sites and API keys over SQL.
#include "store/sql_parts.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

using sql_support::newId;
using sql_support::secondsText;
using sql_support::storedOptionalTime;
using sql_support::storedTime;

namespace {

UtcMillis nowOf(const Clock& clock) {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(clock.now());
}

Tenant tenantFrom(sql::Statement& row) {
  return {row.text(0), row.text(1), storedTime(row.text(2))};
}

Site siteFrom(sql::Statement& row) { return {row.text(0), row.text(1), storedTime(row.text(2))}; }

}  // namespace

Result<Tenant> SqlTenants::createTenant(const std::string& name) {
  Tenant tenant{newId("ten_"), name, nowOf(clock_)};
  auto done = sql_.with([&](sql::Database& db) {
    return db.run("INSERT INTO tenants(id, name, created_at) VALUES (?, ?, ?)", tenant.id,
                  tenant.name, secondsText(tenant.created_at));
  });
  if (!done) {
    return done.error();
  }
  tenant.created_at = std::chrono::floor<std::chrono::seconds>(tenant.created_at);
  return tenant;
}

Result<std::vector<Tenant>> SqlTenants::listTenants() {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<Tenant>> {
    auto rows = db.query("SELECT id, name, created_at FROM tenants ORDER BY created_at, id");
    if (!rows) {
      return rows.error();
    }
    return rows->all(tenantFrom);
  });
}

Result<std::optional<Tenant>> SqlTenants::findTenant(const std::string& id) {
  return sql_.with([&](sql::Database& db) -> Result<std::optional<Tenant>> {
    auto rows = db.query("SELECT id, name, created_at FROM tenants WHERE id = ?", id);
    if (!rows) {
      return rows.error();
    }
    return rows->first(tenantFrom);
  });
}

Result<Site> SqlTenants::createSite(const std::string& tenant_id, const std::string& site_id) {
  const Site site{site_id, tenant_id, std::chrono::floor<std::chrono::seconds>(nowOf(clock_))};
  auto done = sql_.with([&](sql::Database& db) {
    return db.run("INSERT INTO sites(id, tenant_id, created_at) VALUES (?, ?, ?)", site.id,
                  tenant_id, secondsText(site.created_at));
  });
  if (!done) {
    return makeError(ErrorCode::Conflict, "site " + site_id + " already exists");
  }
  return site;
}

Result<std::optional<Site>> SqlTenants::findSite(const std::string& site_id) {
  return sql_.with([&](sql::Database& db) -> Result<std::optional<Site>> {
    auto rows = db.query("SELECT id, tenant_id, created_at FROM sites WHERE id = ?", site_id);
    if (!rows) {
      return rows.error();
    }
    return rows->first(siteFrom);
  });
}

Result<std::vector<SiteAgent>> SqlTenants::listSites(const std::string& tenant_id) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<SiteAgent>> {
    auto rows = db.query(
        "SELECT id, agent_online, agent_status, agent_seen_at FROM sites WHERE tenant_id = ? "
        "ORDER BY id",
        tenant_id);
    if (!rows) {
      return rows.error();
    }
    return rows->all([](sql::Statement& row) {
      return SiteAgent{row.text(0), row.integer(1) != 0, row.text(2),
                       sql_support::storedOptionalTime(row.text(3))};
    });
  });
}

Status SqlTenants::recordAgentStatus(const Site& site,
                                     const std::string& status_json,
                                     bool online,
                                     UtcMillis now) {
  return sql_.write([&](sql::Database& db) -> Status {
    auto done = db.run(
        "UPDATE sites SET agent_online = ?, agent_status = ?, agent_seen_at = ? WHERE id = ?",
        online, status_json, secondsText(now), site.id);
    return done ? Status{} : Status(done.error());
  });
}

Status SqlApiKeys::createApiKey(const NewApiKey& key, const std::string& secret_hash) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run(
        "INSERT INTO api_keys(id, tenant_id, prefix, key_hash, mode, label, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        key.info.id, key.info.tenant_id, key.info.prefix, secret_hash, key.info.mode,
        key.info.label, secondsText(key.info.created_at));
  });
  return done ? Status{} : Status(done.error());
}

Result<std::vector<ApiKeyInfo>> SqlApiKeys::listApiKeys(const std::string& tenant_id) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<ApiKeyInfo>> {
    auto rows = db.query(
        "SELECT id, tenant_id, prefix, mode, label, created_at, COALESCE(revoked_at, '') "
        "FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id",
        tenant_id);
    if (!rows) {
      return rows.error();
    }
    return rows->all([](sql::Statement& row) {
      return ApiKeyInfo{row.text(0),
                        row.text(1),
                        row.text(2),
                        row.text(3),
                        row.text(4),
                        storedTime(row.text(5)),
                        storedOptionalTime(row.text(6))};
    });
  });
}

Status SqlApiKeys::revokeApiKey(const std::string& key_id, UtcMillis now) {
  auto changed = sql_.with([&](sql::Database& db) {
    return db.run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                  secondsText(now), key_id);
  });
  if (!changed) {
    return changed.error();
  }
  if (*changed == 0) {
    return makeError(ErrorCode::NotFound, "no active API key " + key_id);
  }
  return {};
}

Result<std::optional<ApiKeyInfo>> SqlApiKeys::findActiveKey(const std::string& secret_hash) {
  return sql_.with([&](sql::Database& db) -> Result<std::optional<ApiKeyInfo>> {
    auto rows = db.query(
        "SELECT id, tenant_id, prefix, mode, label, created_at, key_hash FROM api_keys "
        "WHERE key_hash = ? AND revoked_at IS NULL",
        secret_hash);
    if (!rows) {
      return rows.error();
    }
    auto row = rows->step();
    if (!row) {
      return row.error();
    }
    // Found by the index; compared once more without a data-dependent early exit.
    if (!*row || !crypto::constantTimeEqual(rows->text(6), secret_hash)) {
      return std::optional<ApiKeyInfo>{};
    }
    return std::optional<ApiKeyInfo>(ApiKeyInfo{rows->text(0), rows->text(1), rows->text(2),
                                                rows->text(3), rows->text(4),
                                                storedTime(rows->text(5)), std::nullopt});
  });
}

Result<std::optional<ApiKeyInfo>> SqlApiKeys::findActiveKeyById(const std::string& key_id) {
  return sql_.with([&](sql::Database& db) -> Result<std::optional<ApiKeyInfo>> {
    auto rows = db.query(
        "SELECT id, tenant_id, prefix, mode, label, created_at FROM api_keys "
        "WHERE id = ? AND revoked_at IS NULL",
        key_id);
    if (!rows) {
      return rows.error();
    }
    return rows->first([](sql::Statement& row) {
      return ApiKeyInfo{row.text(0), row.text(1), row.text(2),
                        row.text(3), row.text(4), storedTime(row.text(5)),
                        std::nullopt};
    });
  });
}

}  // namespace punchlink::relay
