// SqlContext: the one connection the SQL store's parts share, and their transactions. Each part
// runs its statements through with() or write(); inside UnitOfWork::transaction() on the same
// thread they join that transaction (the lock is re-entrant and nested transactions flatten),
// so a service combines several parts into one commit. One connection per process: SQLite
// serialises writers anyway, and on PostgreSQL nodes scale out by processes.
#pragma once

#include "store/sql_database.hpp"
#include "store/unit_of_work.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>

#include <mutex>
#include <optional>
#include <utility>

namespace punchlink::relay {

class SqlContext final : public UnitOfWork {
 public:
  explicit SqlContext(sql::DatabasePtr db) : db_(std::move(db)) {}

  sql::Dialect dialect() const { return db_->dialect(); }

  // Applies pending schema migrations (store/migrations/); idempotent, and safe when several
  // nodes start at once. `now` is recorded with each one applied.
  Status migrate(UtcMillis now);

  // Runs `work(db)` holding the connection.
  template <typename Work>
  auto with(Work&& work) {
    const std::lock_guard lock(mutex_);
    return std::forward<Work>(work)(*db_);
  }

  // Runs `work(db)`, which returns Result<T> or Status, in a transaction (joining the caller's).
  template <typename Work>
  auto write(Work&& work, Durability durability = Durability::Full) {
    using Out = decltype(work(std::declval<sql::Database&>()));
    const std::lock_guard lock(mutex_);
    if constexpr (std::is_same_v<Out, Status>) {
      return db_->transaction([&]() -> Status { return work(*db_); }, toSql(durability));
    } else {
      std::optional<Out> out;
      const Status done = db_->transaction(
          [&]() -> Status {
            out.emplace(work(*db_));
            return out->ok() ? Status{} : Status(out->error());
          },
          toSql(durability));
      if (!done) {
        return Out(done.error());
      }
      return std::move(*out);
    }
  }

  // UnitOfWork
  Status transaction(const std::function<Status()>& work, Durability durability) override {
    const std::lock_guard lock(mutex_);
    return db_->transaction(work, toSql(durability));
  }

 private:
  static sql::Durability toSql(Durability durability) {
    return durability == Durability::Relaxed ? sql::Durability::Relaxed : sql::Durability::Full;
  }

  Status applyMigrations(UtcMillis now);

  std::recursive_mutex mutex_;
  sql::DatabasePtr db_;
};

}  // namespace punchlink::relay
