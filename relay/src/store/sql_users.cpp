// A tenant's users over SQL.
#include "store/sql_parts.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

using sql_support::secondsText;
using sql_support::storedTime;

namespace {

constexpr std::string_view kSelectUsers =
    "SELECT tenant_id, user_id, name, department, card, privilege, template_count, created_at, "
    "updated_at FROM users ";

UserRecord userFrom(sql::Statement& row) {
  return {row.text(0),
          row.text(1),
          row.text(2),
          row.text(3),
          row.integer(4),
          row.integer(5),
          row.integer(6),
          storedTime(row.text(7)),
          storedTime(row.text(8))};
}

}  // namespace

Status SqlUsers::upsertUser(const UserRecord& user, UtcMillis now) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run(
        "INSERT INTO users(tenant_id, user_id, name, department, card, privilege, "
        "template_count, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(tenant_id, user_id) DO UPDATE SET name = excluded.name, department = "
        "excluded.department, card = excluded.card, privilege = excluded.privilege, "
        "template_count = CASE WHEN users.template_count > excluded.template_count THEN "
        "users.template_count ELSE excluded.template_count END, "
        "updated_at = excluded.updated_at",
        user.tenant_id, user.user_id, user.name, user.department, user.card, user.privilege,
        user.template_count, secondsText(now), secondsText(now));
  });
  return done ? Status{} : Status(done.error());
}

Result<std::optional<UserRecord>> SqlUsers::findUser(const std::string& tenant_id,
                                                     const std::string& user_id) {
  return sql_.with([&](sql::Database& db) -> Result<std::optional<UserRecord>> {
    auto rows = db.query(std::string(kSelectUsers) + "WHERE tenant_id = ? AND user_id = ?",
                         tenant_id, user_id);
    if (!rows) {
      return rows.error();
    }
    return rows->first(userFrom);
  });
}

Result<std::vector<UserRecord>> SqlUsers::listUsers(const std::string& tenant_id,
                                                    const std::string& after_user_id,
                                                    std::size_t limit) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<UserRecord>> {
    auto rows = db.query(
        std::string(kSelectUsers) + "WHERE tenant_id = ? AND user_id > ? ORDER BY user_id LIMIT ?",
        tenant_id, after_user_id, limit + 1);
    if (!rows) {
      return rows.error();
    }
    return rows->all(userFrom);
  });
}

Status SqlUsers::deleteUser(const std::string& tenant_id, const std::string& user_id) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run("DELETE FROM users WHERE tenant_id = ? AND user_id = ?", tenant_id, user_id);
  });
  return done ? Status{} : Status(done.error());
}

}  // namespace punchlink::relay
