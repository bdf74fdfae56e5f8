// Commands and their states over SQL.
#include "store/sql_parts.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

using sql_support::millisText;
using sql_support::storedTime;

namespace {

constexpr std::string_view kSelectCommands =
    "SELECT id, tenant_id, site_id, device_serial, type, COALESCE(user_id, ''), payload, state, "
    "COALESCE(error, ''), COALESCE(result, ''), created_at, updated_at FROM commands ";

CommandRecord commandFrom(sql::Statement& row) {
  return {row.text(0),
          row.text(1),
          row.text(2),
          row.text(3),
          row.text(4),
          row.text(5),
          row.text(6),
          row.text(7),
          row.text(8),
          row.text(9),
          storedTime(row.text(10)),
          storedTime(row.text(11))};
}

}  // namespace

Status SqlCommands::createCommand(const CommandRecord& command) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run(
        "INSERT INTO commands(id, tenant_id, site_id, device_serial, type, user_id, payload, "
        "state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        command.id, command.tenant_id, command.site_id, command.device_serial, command.type,
        command.user_id, command.payload, command.state, millisText(command.created_at),
        millisText(command.updated_at));
  });
  return done ? Status{} : Status(done.error());
}

Result<std::optional<CommandRecord>> SqlCommands::transitionCommand(const std::string& site_id,
                                                                    const std::string& command_id,
                                                                    const std::string& state,
                                                                    const std::string& error,
                                                                    const std::string& result,
                                                                    UtcMillis now) {
  return sql_.write([&](sql::Database& db) -> Result<std::optional<CommandRecord>> {
    // Final states stay final: a late "sent" never overwrites "succeeded".
    auto changed = db.run(
        "UPDATE commands SET state = ?, error = NULLIF(?, ''), result = NULLIF(?, ''), "
        "updated_at = ? WHERE id = ? AND site_id = ? AND state NOT IN ('succeeded', 'failed')",
        state, error, result, millisText(now), command_id, site_id);
    if (!changed) {
      return changed.error();
    }
    if (*changed == 0) {
      return std::optional<CommandRecord>{};
    }
    auto rows = db.query(std::string(kSelectCommands) + "WHERE id = ?", command_id);
    if (!rows) {
      return rows.error();
    }
    return rows->first(commandFrom);
  });
}

Status SqlCommands::storeRedactedPayload(const std::string& command_id,
                                         const std::string& payload) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run("UPDATE commands SET payload = ?, redacted = 1 WHERE id = ?", payload,
                  command_id);
  });
  return done ? Status{} : Status(done.error());
}

Result<std::vector<CommandRecord>> SqlCommands::unredactedFinished(std::size_t limit) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<CommandRecord>> {
    auto rows = db.query(std::string(kSelectCommands) +
                             "WHERE redacted = 0 AND state IN ('succeeded', 'failed') LIMIT ?",
                         limit);
    if (!rows) {
      return rows.error();
    }
    return rows->all(commandFrom);
  });
}

Result<std::optional<CommandRecord>> SqlCommands::findCommand(const std::string& tenant_id,
                                                              const std::string& command_id) {
  return sql_.with([&](sql::Database& db) -> Result<std::optional<CommandRecord>> {
    auto rows = db.query(std::string(kSelectCommands) + "WHERE tenant_id = ? AND id = ?", tenant_id,
                         command_id);
    if (!rows) {
      return rows.error();
    }
    return rows->first(commandFrom);
  });
}

Result<std::vector<CommandRecord>> SqlCommands::queuedCommands(std::size_t limit) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<CommandRecord>> {
    auto rows = db.query(
        std::string(kSelectCommands) + "WHERE state = 'queued' ORDER BY created_at, id LIMIT ?",
        limit);
    if (!rows) {
      return rows.error();
    }
    return rows->all(commandFrom);
  });
}

Result<std::vector<CommandRecord>> SqlCommands::unansweredCommands(UtcMillis created_before,
                                                                   std::size_t limit) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<CommandRecord>> {
    auto rows = db.query(std::string(kSelectCommands) +
                             "WHERE state = 'sent' AND created_at < ? ORDER BY created_at, id "
                             "LIMIT ?",
                         millisText(created_before), limit);
    if (!rows) {
      return rows.error();
    }
    return rows->all(commandFrom);
  });
}

Result<std::vector<CommandRecord>> SqlCommands::deviceCommands(
    const std::string& tenant_id,
    const std::string& serial,
    const std::optional<CommandPosition>& before,
    std::size_t limit) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<CommandRecord>> {
    // created_at is RFC 3339 text to the millisecond, which orders like the times it names;
    // ties are broken by id.
    auto rows =
        before ? db.query(std::string(kSelectCommands) +
                              "WHERE tenant_id = ? AND device_serial = ? AND (created_at < ? OR "
                              "(created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC "
                              "LIMIT ?",
                          tenant_id, serial, millisText(before->created_at),
                          millisText(before->created_at), before->id, limit)
               : db.query(std::string(kSelectCommands) +
                              "WHERE tenant_id = ? AND device_serial = ? "
                              "ORDER BY created_at DESC, id DESC LIMIT ?",
                          tenant_id, serial, limit);
    if (!rows) {
      return rows.error();
    }
    return rows->all(commandFrom);
  });
}

Result<std::vector<CommandRecord>> SqlCommands::commandsForUser(const std::string& tenant_id,
                                                                const std::string& user_id) {
  return sql_.with([&](sql::Database& db) -> Result<std::vector<CommandRecord>> {
    auto rows = db.query(std::string(kSelectCommands) +
                             "WHERE tenant_id = ? AND user_id = ? ORDER BY created_at, id",
                         tenant_id, user_id);
    if (!rows) {
      return rows.error();
    }
    return rows->all(commandFrom);
  });
}

Result<std::vector<std::string>> SqlCommands::enrolledDevices(
    const std::string& tenant_id,
    const std::string& user_id,
    const std::vector<std::string>& writes,
    const std::string& removal) {
  if (writes.empty()) {
    return std::vector<std::string>{};
  }
  std::string types = "?";
  for (std::size_t i = 1; i < writes.size(); ++i) {
    types += ", ?";
  }
  const std::string sql =
      "SELECT DISTINCT e.device_serial FROM commands e WHERE e.tenant_id = ? AND e.user_id = ? "
      "AND e.state != 'failed' AND e.type IN (" +
      types +
      ") AND NOT EXISTS (SELECT 1 FROM commands d WHERE d.tenant_id = e.tenant_id AND "
      "d.user_id = e.user_id AND d.device_serial = e.device_serial AND d.type = ? AND "
      "d.state = 'succeeded' AND d.created_at >= e.created_at) ORDER BY e.device_serial";
  return sql_.with([&](sql::Database& db) -> Result<std::vector<std::string>> {
    auto rows = db.query(sql);
    if (!rows) {
      return rows.error();
    }
    rows->bind(1, tenant_id).bind(2, user_id);
    int index = 3;
    for (const auto& type : writes) {
      rows->bind(index++, type);
    }
    rows->bind(index, removal);
    return rows->all([](sql::Statement& row) { return row.text(0); });
  });
}

}  // namespace punchlink::relay
