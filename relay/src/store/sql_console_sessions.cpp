// Console sessions over SQL.
#include "store/sql_parts.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

using sql_support::millisText;
using sql_support::storedTime;

Status SqlConsoleSessions::createSession(const ConsoleSession& session) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run(
        "INSERT INTO console_sessions(id_hash, tenant_id, key_id, csrf_token, created_at, "
        "last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        session.id_hash, session.tenant_id, session.key_id, session.csrf_token,
        millisText(session.created_at), millisText(session.last_seen),
        millisText(session.expires_at));
  });
  return done ? Status{} : Status(done.error());
}

Result<std::optional<ConsoleSession>> SqlConsoleSessions::findSession(const std::string& id_hash) {
  return sql_.with([&](sql::Database& db) -> Result<std::optional<ConsoleSession>> {
    auto rows = db.query(
        "SELECT id_hash, tenant_id, key_id, csrf_token, created_at, last_seen, expires_at "
        "FROM console_sessions WHERE id_hash = ?",
        id_hash);
    if (!rows) {
      return rows.error();
    }
    return rows->first([](sql::Statement& row) {
      return ConsoleSession{row.text(0),
                            row.text(1),
                            row.text(2),
                            row.text(3),
                            storedTime(row.text(4)),
                            storedTime(row.text(5)),
                            storedTime(row.text(6))};
    });
  });
}

Status SqlConsoleSessions::touchSession(const std::string& id_hash, UtcMillis now) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run("UPDATE console_sessions SET last_seen = ? WHERE id_hash = ?", millisText(now),
                  id_hash);
  });
  return done ? Status{} : Status(done.error());
}

Status SqlConsoleSessions::deleteSession(const std::string& id_hash) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run("DELETE FROM console_sessions WHERE id_hash = ?", id_hash);
  });
  return done ? Status{} : Status(done.error());
}

Result<std::int64_t> SqlConsoleSessions::deleteEndedSessions(UtcMillis now, UtcMillis idle_before) {
  return sql_.with([&](sql::Database& db) {
    return db.run("DELETE FROM console_sessions WHERE expires_at < ? OR last_seen < ?",
                  millisText(now), millisText(idle_before));
  });
}

Result<std::int64_t> SqlConsoleSessions::trimSessions(const std::string& key_id,
                                                      std::int64_t keep) {
  return sql_.with([&](sql::Database& db) {
    return db.run(
        "DELETE FROM console_sessions WHERE key_id = ? AND id_hash NOT IN (SELECT id_hash FROM "
        "console_sessions WHERE key_id = ? ORDER BY created_at DESC, id_hash LIMIT ?)",
        key_id, key_id, keep);
  });
}

}  // namespace punchlink::relay
