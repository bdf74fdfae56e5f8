#include "store/sql_context.hpp"

#include "store/migrations.hpp"
#include "store/sql_dialect.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

Status SqlContext::migrate(UtcMillis now) {
  const std::lock_guard lock(mutex_);
  // Nodes starting together: the first applies the migrations, the others wait and find them
  // applied.
  if (auto locked = db_->lockSchema(); !locked) {
    return locked;
  }
  Status status = applyMigrations(now);
  db_->unlockSchema();
  return status;
}

Status SqlContext::applyMigrations(UtcMillis now) {
  if (auto created = db_->exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                               "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
      !created) {
    return created;
  }
  const auto all = sql::migrations();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto version = static_cast<std::int64_t>(i + 1);
    auto applied = db_->query("SELECT 1 FROM schema_migrations WHERE version = ?", version);
    if (!applied) {
      return applied.error();
    }
    auto row = applied->step();
    if (!row) {
      return row.error();
    }
    if (*row) {
      continue;
    }
    const bool postgres = db_->dialect() == sql::Dialect::Postgres;
    const std::string ddl = !postgres                     ? std::string(all[i].sql)
                            : all[i].postgres_sql.empty() ? sql::postgresSchema(all[i].sql)
                                                          : std::string(all[i].postgres_sql);
    auto status = db_->transaction([&]() -> Status {
      if (auto done = db_->exec(ddl); !done) {
        return done;
      }
      auto recorded = db_->run("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)",
                               version, sql_support::secondsText(now));
      return recorded ? Status{} : Status(recorded.error());
    });
    if (!status) {
      return makeError(ErrorCode::Internal, "migration " + std::string(all[i].file) +
                                                " failed: " + status.error().message);
    }
  }
  return {};
}

}  // namespace punchlink::relay
