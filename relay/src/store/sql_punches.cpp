// Stored punches over SQL.
#include "store/sql_parts.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

using sql_support::secondsText;
using sql_support::storedTime;

Result<bool> SqlPunches::appendPunch(const Site& site,
                                     const contract::ReceivedPunch& received,
                                     UtcMillis received_at) {
  return sql_.write([&](sql::Database& db) -> Result<bool> {
    // The punch's seq is taken now and committed later: keyset pages must wait for it.
    if (auto joined = db.joinAppendOrder(); !joined) {
      return joined.error();
    }
    const contract::Punch& punch = received.punch;
    auto added = db.run(
        "INSERT INTO punches(event_id, tenant_id, site_id, device_serial, user_id, timestamp, "
        "punch_type, method, payload, received_at, local_time) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(tenant_id, event_id) DO NOTHING",
        punch.event_id, site.tenant_id, site.id, punch.device_serial, punch.user_id,
        punch.timestamp, punch.punch_type, punch.method, contract::encodePunchDetails(punch),
        secondsText(received_at), punch.local_time);
    if (!added) {
      return added.error();
    }
    return *added == 1;
  });
}

Result<std::vector<StoredPunch>> SqlPunches::listPunches(const std::string& tenant_id,
                                                         const PunchFilter& filter) {
  // Keyset pagination on seq: a page never shifts when new punches arrive, so paging through
  // any number of rows gives no gaps and no repeats. Timestamps are RFC 3339 text to the second,
  // which orders like the times it names.
  std::string sql =
      "SELECT seq, event_id, device_serial, user_id, timestamp, COALESCE(local_time, ''), "
      "COALESCE(punch_type, ''), COALESCE(method, ''), payload, received_at FROM punches "
      "WHERE tenant_id = ? AND seq > ?";
  std::vector<std::string> binds;
  if (filter.from) {
    sql += " AND timestamp >= ?";
    binds.push_back(secondsText(*filter.from));
  }
  if (filter.to) {
    sql += " AND timestamp < ?";
    binds.push_back(secondsText(*filter.to));
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
  return sql_.with([&](sql::Database& db) -> Result<std::vector<StoredPunch>> {
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
      return StoredPunch{
          row.integer(0), row.text(1), row.text(2), row.text(3), row.text(4),
          row.text(5),    row.text(6), row.text(7), row.text(8), storedTime(row.text(9))};
    });
    db.endOrderedRead();
    return page;
  });
}

Result<std::int64_t> SqlPunches::countPunches(const std::string& tenant_id) {
  return sql_.with([&](sql::Database& db) {
    return db.scalar("SELECT COUNT(*) FROM punches WHERE tenant_id = ?", tenant_id);
  });
}

Result<std::int64_t> SqlPunches::latestSeq(const std::string& tenant_id) {
  return sql_.with([&](sql::Database& db) {
    return db.scalar("SELECT COALESCE(MAX(seq), 0) FROM punches WHERE tenant_id = ?", tenant_id);
  });
}

Result<std::vector<HourCount>> SqlPunches::countByHour(const std::string& tenant_id,
                                                       UtcMillis from,
                                                       UtcMillis to) {
  // Timestamps are RFC 3339 UTC text: the first 13 characters name the hour.
  return sql_.with([&](sql::Database& db) -> Result<std::vector<HourCount>> {
    auto rows = db.query(
        "SELECT substr(timestamp, 1, 13), COUNT(*) FROM punches WHERE tenant_id = ? AND "
        "timestamp >= ? AND timestamp < ? GROUP BY substr(timestamp, 1, 13) ORDER BY 1",
        tenant_id, secondsText(from), secondsText(to));
    if (!rows) {
      return rows.error();
    }
    return rows->all([](sql::Statement& row) { return HourCount{row.text(0), row.integer(1)}; });
  });
}

Result<std::int64_t> SqlPunches::countDevicePunches(const std::string& tenant_id,
                                                    const std::string& serial,
                                                    const std::string& local_from,
                                                    const std::string& local_to) {
  // local_time is stored as the agent formats it, "YYYY-MM-DD HH:MM:SS", which orders like the
  // times it names; "~" sorts after any of them.
  return sql_.with([&](sql::Database& db) {
    return db.scalar(
        "SELECT COUNT(*) FROM punches WHERE tenant_id = ? AND device_serial = ? "
        "AND local_time >= ? AND local_time <= ?",
        tenant_id, serial, local_from, local_to.empty() ? std::string("~") : local_to);
  });
}

}  // namespace punchlink::relay
