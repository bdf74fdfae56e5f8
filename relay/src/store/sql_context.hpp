// SqlContext: the connections the SQL store's parts share, and their transactions. Each part
// runs its statements through with() or write(); inside UnitOfWork::transaction() on the same
// thread they join that transaction (a thread keeps the connection it holds for nested calls,
// and nested transactions flatten), so a service combines several parts into one commit.
// SQLite has one connection (it serialises writers anyway); PostgreSQL a pool, so the API,
// ingest lanes and the webhook dispatcher of one node overlap their round trips.
#pragma once

#include "store/sql_database.hpp"
#include "store/unit_of_work.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace punchlink::relay {

class SqlContext final : public UnitOfWork {
 public:
  // `pool`: at least one connection, all to the same database.
  explicit SqlContext(std::vector<sql::DatabasePtr> pool);

  sql::Dialect dialect() const { return pool_.front()->dialect(); }

  std::size_t connections() const { return pool_.size(); }

  // Applies pending schema migrations (store/migrations/); idempotent, and safe when several
  // nodes start at once. `now` is recorded with each one applied.
  Status migrate(UtcMillis now);

  // Runs `work(db)` holding a connection.
  template <typename Work>
  auto with(Work&& work) {
    const Lease lease(*this);
    return std::forward<Work>(work)(lease.db());
  }

  // Runs `work(db)`, which returns Result<T> or Status, in a transaction (joining the caller's).
  template <typename Work>
  auto write(Work&& work, Durability durability = Durability::Full) {
    using Out = decltype(work(std::declval<sql::Database&>()));
    const Lease lease(*this);
    sql::Database& db = lease.db();
    if constexpr (std::is_same_v<Out, Status>) {
      return db.transaction([&]() -> Status { return work(db); }, toSql(durability));
    } else {
      std::optional<Out> out;
      const Status done = db.transaction(
          [&]() -> Status {
            out.emplace(work(db));
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
    const Lease lease(*this);
    return lease.db().transaction(work, toSql(durability));
  }

 private:
  // The connection this thread holds while the lease lives: the one it holds already (a nested
  // call), else a free one, waiting for one to be free.
  class Lease {
   public:
    explicit Lease(SqlContext& context) : context_(context), db_(context.acquire()) {}

    ~Lease() { context_.release(); }

    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&&) = delete;
    Lease& operator=(Lease&&) = delete;

    sql::Database& db() const { return db_; }

   private:
    SqlContext& context_;
    sql::Database& db_;
  };

  struct Held {
    sql::Database* db = nullptr;
    std::size_t depth = 0;
  };

  sql::Database& acquire();
  void release();

  static sql::Durability toSql(Durability durability) {
    return durability == Durability::Relaxed ? sql::Durability::Relaxed : sql::Durability::Full;
  }

  Status applyMigrations(sql::Database& db, UtcMillis now);

  std::vector<sql::DatabasePtr> pool_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<sql::Database*> free_;      // guarded by mutex_
  std::map<std::thread::id, Held> held_;  // guarded by mutex_
};

}  // namespace punchlink::relay
