// Terminals over SQL: the tenant's registry and what sites report.
#include "store/sql_parts.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

using sql_support::secondsText;
using sql_support::storedOptionalTime;
using sql_support::storedTime;

namespace {

constexpr std::string_view kSelectDevices =
    "SELECT serial, tenant_id, COALESCE(site_id, ''), name, location, registration, "
    "COALESCE(status_json, ''), online, COALESCE(last_seen, ''), created_at, reconciliation "
    "FROM devices WHERE tenant_id = ?";

Device deviceFrom(sql::Statement& row) {
  return Device{row.text(0),
                row.text(1),
                row.text(2),
                row.text(3),
                row.text(4),
                row.text(5),
                row.text(6),
                row.integer(7) != 0,
                storedOptionalTime(row.text(8)),
                storedTime(row.text(9)),
                row.text(10)};
}

Status done(const Result<std::int64_t>& changed) {
  return changed ? Status{} : Status(changed.error());
}

}  // namespace

Result<std::vector<Device>> SqlDevices::query(sql::Database& db,
                                              const std::string& tenant_id,
                                              const std::optional<std::string>& serial) {
  auto rows = serial ? db.query(std::string(kSelectDevices) + " AND serial = ? ORDER BY serial",
                                tenant_id, *serial)
                     : db.query(std::string(kSelectDevices) + " ORDER BY serial", tenant_id);
  if (!rows) {
    return rows.error();
  }
  return rows->all(deviceFrom);
}

Result<Device> SqlDevices::registerDevice(const std::string& tenant_id,
                                          const std::string& serial,
                                          const std::string& name,
                                          const std::string& location) {
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  return sql_.write([&](sql::Database& db) -> Result<Device> {
    auto existing = db.query("SELECT registration FROM devices WHERE tenant_id = ? AND serial = ?",
                             tenant_id, serial);
    if (!existing) {
      return existing.error();
    }
    auto row = existing->first([](sql::Statement& r) { return r.text(0); });
    if (!row) {
      return row.error();
    }
    if (*row && **row == "registered") {
      return makeError(ErrorCode::Conflict, "device " + serial + " is already registered",
                       "change it with PATCH /v1/devices/" + serial);
    }
    // A pending device (seen in punches before) becomes registered; otherwise a new row.
    if (auto upserted = db.run(
            "INSERT INTO devices(serial, tenant_id, name, location, registration, created_at) "
            "VALUES (?, ?, ?, ?, 'registered', ?) ON CONFLICT(tenant_id, serial) DO UPDATE SET "
            "name = excluded.name, location = excluded.location, registration = 'registered'",
            serial, tenant_id, name, location, secondsText(now));
        !upserted) {
      return upserted.error();
    }
    auto devices = query(db, tenant_id, serial);
    if (!devices) {
      return devices.error();
    }
    return devices->front();
  });
}

Result<std::vector<Device>> SqlDevices::listDevices(const std::string& tenant_id) {
  return sql_.with([&](sql::Database& db) { return query(db, tenant_id, std::nullopt); });
}

Result<std::optional<Device>> SqlDevices::findDevice(const std::string& tenant_id,
                                                     const std::string& serial) {
  auto devices = sql_.with([&](sql::Database& db) { return query(db, tenant_id, serial); });
  if (!devices) {
    return devices.error();
  }
  return devices->empty() ? std::optional<Device>{} : std::optional<Device>(devices->front());
}

Result<Device> SqlDevices::updateDevice(const std::string& tenant_id,
                                        const std::string& serial,
                                        const DeviceChanges& changes) {
  return sql_.write([&](sql::Database& db) -> Result<Device> {
    const bool change_site = changes.site_id.has_value();
    const std::string new_site = changes.site_id.value_or("");
    auto changed = db.run(
        "UPDATE devices SET name = COALESCE(?, name), location = COALESCE(?, location), "
        "site_id = CASE WHEN ? = 1 THEN NULLIF(?, '') ELSE site_id END "
        "WHERE tenant_id = ? AND serial = ?",
        changes.name, changes.location, change_site, new_site, tenant_id, serial);
    if (!changed) {
      return changed.error();
    }
    if (*changed == 0) {
      return makeError(ErrorCode::NotFound, "no device " + serial);
    }
    auto devices = query(db, tenant_id, serial);
    if (!devices) {
      return devices.error();
    }
    return devices->front();
  });
}

Status SqlDevices::deleteDevice(const std::string& tenant_id, const std::string& serial) {
  auto changed = sql_.with([&](sql::Database& db) {
    return db.run("DELETE FROM devices WHERE tenant_id = ? AND serial = ?", tenant_id, serial);
  });
  if (!changed) {
    return changed.error();
  }
  if (*changed == 0) {
    return makeError(ErrorCode::NotFound, "no device " + serial);
  }
  return {};
}

Result<std::optional<DeviceState>> SqlDevices::find(const std::string& tenant_id,
                                                    const std::string& serial,
                                                    bool for_update) {
  return sql_.with([&](sql::Database& db) -> Result<std::optional<DeviceState>> {
    // On PostgreSQL the row stays locked until the caller's commit, so of two nodes recording
    // the same change only the first sees it as a change.
    auto rows =
        db.query(std::string("SELECT COALESCE(site_id, ''), name, location, online FROM devices "
                             "WHERE tenant_id = ? AND serial = ?") +
                     (for_update && db.dialect() == sql::Dialect::Postgres ? " FOR UPDATE" : ""),
                 tenant_id, serial);
    if (!rows) {
      return rows.error();
    }
    return rows->first([](sql::Statement& row) {
      return DeviceState{row.text(0), row.text(1), row.text(2), row.integer(3) != 0};
    });
  });
}

Result<bool> SqlDevices::addPending(const Site& site,
                                    const std::string& serial,
                                    const std::string& name,
                                    UtcMillis now) {
  auto added = sql_.with([&](sql::Database& db) {
    return db.run(
        "INSERT INTO devices(serial, tenant_id, site_id, name, registration, created_at) "
        "VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT(tenant_id, serial) DO NOTHING",
        serial, site.tenant_id, site.id, name, secondsText(now));
  });
  if (!added) {
    return added.error();
  }
  return *added == 1;
}

Status SqlDevices::recordStatus(const Site& site,
                                const std::string& serial,
                                const std::string& status_json,
                                const std::string& name,
                                bool online,
                                UtcMillis now) {
  return sql_.with([&](sql::Database& db) {
    // A name set through the API is kept.
    return done(
        db.run("INSERT INTO devices(serial, tenant_id, site_id, registration, status_json, online, "
               "last_seen, created_at, name) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?) "
               "ON CONFLICT(tenant_id, serial) DO UPDATE SET status_json = excluded.status_json, "
               "online = excluded.online, last_seen = excluded.last_seen, "
               "site_id = COALESCE(NULLIF(devices.site_id, ''), excluded.site_id), "
               "name = CASE WHEN devices.name = '' THEN excluded.name ELSE devices.name END",
               serial, site.tenant_id, site.id, status_json, online, secondsText(now),
               secondsText(now), name));
  });
}

Result<RecordGap> SqlDevices::recordGap(const std::string& tenant_id, const std::string& serial) {
  return sql_.with([&](sql::Database& db) -> Result<RecordGap> {
    auto rows = db.query(
        "SELECT reconciliation, gap_since, gap_notified FROM devices "
        "WHERE tenant_id = ? AND serial = ?",
        tenant_id, serial);
    if (!rows) {
      return rows.error();
    }
    auto gap = rows->first([](sql::Statement& row) {
      return RecordGap{row.text(0), storedOptionalTime(row.text(1)), row.integer(2) != 0};
    });
    if (!gap) {
      return gap.error();
    }
    return gap->value_or(RecordGap{});
  });
}

Status SqlDevices::storeRecordGap(const std::string& tenant_id,
                                  const std::string& serial,
                                  const RecordGap& gap) {
  return sql_.with([&](sql::Database& db) {
    return done(
        db.run("UPDATE devices SET reconciliation = ?, gap_since = ?, gap_notified = ? "
               "WHERE tenant_id = ? AND serial = ?",
               gap.reconciliation, gap.since ? secondsText(*gap.since) : std::string(),
               gap.notified, tenant_id, serial));
  });
}

Result<std::vector<std::string>> SqlDevices::onlineAtSite(const Site& site) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<std::string>> {
    auto rows =
        db.query("SELECT serial FROM devices WHERE site_id = ? AND tenant_id = ? AND online = 1",
                 site.id, site.tenant_id);
    if (!rows) {
      return rows.error();
    }
    return rows->all([](sql::Statement& row) { return row.text(0); });
  });
}

Result<bool> SqlDevices::markOffline(const std::string& tenant_id, const std::string& serial) {
  auto changed = sql_.with([&](sql::Database& db) {
    return db.run("UPDATE devices SET online = 0 WHERE tenant_id = ? AND serial = ? AND online = 1",
                  tenant_id, serial);
  });
  if (!changed) {
    return changed.error();
  }
  return *changed == 1;
}

}  // namespace punchlink::relay
