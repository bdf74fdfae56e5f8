// Device events over SQL.
#include "store/sql_parts.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

using sql_support::secondsText;
using sql_support::storedTime;

Result<bool> SqlDeviceEvents::appendEvent(const Site& site,
                                          const DeviceEventRow& event,
                                          UtcMillis received_at) {
  return sql_.write([&](sql::Database& db) -> Result<bool> {
    // The seq is taken now and committed later: keyset pages must wait for it.
    if (auto joined = db.joinAppendOrder(); !joined) {
      return joined.error();
    }
    auto added = db.run(
        "INSERT INTO device_events(event_id, tenant_id, site_id, device_serial, type, timestamp, "
        "payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(tenant_id, event_id) DO NOTHING",
        event.event_id, site.tenant_id, site.id, event.device_serial, event.type, event.timestamp,
        event.payload, secondsText(received_at));
    if (!added) {
      return added.error();
    }
    return *added == 1;
  });
}

Result<std::int64_t> SqlDeviceEvents::latestSeq(const std::string& tenant_id) {
  return sql_.with([&](sql::Database& db) {
    return db.scalar("SELECT COALESCE(MAX(seq), 0) FROM device_events WHERE tenant_id = ?",
                     tenant_id);
  });
}

Result<std::vector<StoredDeviceEvent>> SqlDeviceEvents::listEvents(
    const std::string& tenant_id, const DeviceEventFilter& filter) {
  std::string sql =
      "SELECT seq, payload, received_at FROM device_events WHERE tenant_id = ? AND seq > ?";
  std::vector<std::string> binds;
  if (filter.from) {
    sql += " AND timestamp >= ?";
    binds.push_back(secondsText(*filter.from));
  }
  if (filter.to) {
    sql += " AND timestamp < ?";
    binds.push_back(secondsText(*filter.to));
  }
  if (filter.device_serial) {
    sql += " AND device_serial = ?";
    binds.push_back(*filter.device_serial);
  }
  if (filter.type) {
    sql += " AND type = ?";
    binds.push_back(*filter.type);
  }
  sql += " ORDER BY seq LIMIT ?";
  return sql_.with([&](sql::Database& db) -> Result<std::vector<StoredDeviceEvent>> {
    auto statement = db.query(sql);
    if (!statement) {
      return statement.error();
    }
    statement->bind(1, tenant_id).bind(2, filter.after_seq);
    int index = 3;
    for (const auto& value : binds) {
      statement->bind(index++, value);
    }
    statement->bind(index, static_cast<std::int64_t>(filter.limit + 1));
    if (auto ordered = db.beginOrderedRead(); !ordered) {
      return ordered.error();
    }
    auto page = statement->all([](sql::Statement& row) {
      return StoredDeviceEvent{row.integer(0), row.text(1), storedTime(row.text(2))};
    });
    db.endOrderedRead();
    return page;
  });
}

}  // namespace punchlink::relay
