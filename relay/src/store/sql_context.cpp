#include "store/sql_context.hpp"

#include "store/migrations.hpp"
#include "store/sql_dialect.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

SqlContext::SqlContext(std::vector<sql::DatabasePtr> pool) : pool_(std::move(pool)) {
  for (const auto& db : pool_) {
    free_.push_back(db.get());
  }
}

sql::Database& SqlContext::acquire() {
  std::unique_lock lock(mutex_);
  const auto self = std::this_thread::get_id();
  if (auto held = held_.find(self); held != held_.end()) {
    ++held->second.depth;
    return *held->second.db;
  }
  freed_.wait(lock, [this] { return !free_.empty(); });
  sql::Database* db = free_.back();
  free_.pop_back();
  held_[self] = {db, 1};
  return *db;
}

void SqlContext::release() {
  {
    const std::lock_guard lock(mutex_);
    const auto held = held_.find(std::this_thread::get_id());
    if (held == held_.end() || --held->second.depth > 0) {
      return;
    }
    free_.push_back(held->second.db);
    held_.erase(held);
  }
  freed_.notify_one();
}

Status SqlContext::migrate(UtcMillis now) {
  const Lease lease(*this);
  sql::Database& db = lease.db();
  // Nodes starting together: the first applies the migrations, the others wait and find them
  // applied.
  if (auto locked = db.lockSchema(); !locked) {
    return locked;
  }
  Status status = applyMigrations(db, now);
  db.unlockSchema();
  return status;
}

Status SqlContext::applyMigrations(sql::Database& db, UtcMillis now) {
  if (auto created = db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                             "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
      !created) {
    return created;
  }
  const auto all = sql::migrations();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto version = static_cast<std::int64_t>(i + 1);
    auto applied = db.query("SELECT 1 FROM schema_migrations WHERE version = ?", version);
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
    const bool postgres = db.dialect() == sql::Dialect::Postgres;
    const std::string ddl = !postgres                     ? std::string(all[i].sql)
                            : all[i].postgres_sql.empty() ? sql::postgresSchema(all[i].sql)
                                                          : std::string(all[i].postgres_sql);
    auto status = db.transaction([&]() -> Status {
      if (auto done = db.exec(ddl); !done) {
        return done;
      }
      auto recorded = db.run("INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)",
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
