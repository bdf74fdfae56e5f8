// A thin RAII layer over the SQLite C API (the agent's outbox, the relay's store). Errors come
// back as Result values that name the statement's purpose; nothing here throws.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/row_queries.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace punchlink::sqlite {

// Prepared statements kept per connection, keyed by their SQL text: parsing and planning a
// statement cost more than running it (a profile of the relay under live load put 21% of its CPU
// in sqlite3_prepare). A statement handed back is reset and its bindings cleared, so the next
// user sees it as freshly prepared. Thread-safe: a connection opened with SQLITE_OPEN_FULLMUTEX
// may be shared.
class StatementCache {
 public:
  StatementCache() = default;
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  ~StatementCache();

  // An idle statement for exactly this SQL, or nullptr.
  sqlite3_stmt* take(std::string_view sql);
  // Resets and keeps `statement` for the next take(), or finalizes it when the cache is full.
  void giveBack(sqlite3_stmt* statement);

  // Idle statements kept in all: generated statements (IN lists of any length) cannot grow it
  // without bound; one handed back to a full cache is finalized.
  static constexpr std::size_t kMaxStatements = 256;

 private:
  std::mutex mutex_;
  std::vector<std::pair<std::string, sqlite3_stmt*>> idle_;
};

class Statement : public RowQueries<Statement> {
 public:
  Statement() = default;

  // Finalized when dropped.
  explicit Statement(sqlite3_stmt* statement) : statement_(statement) {}

  // Handed back to `cache` when dropped.
  Statement(sqlite3_stmt* statement, std::shared_ptr<StatementCache> cache)
      : statement_(statement, Finalize{std::move(cache)}) {}

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bindNull(int index);

  // SQLITE_ROW → true, SQLITE_DONE → false, anything else → error.
  Result<bool> step();
  // Runs to completion (for INSERT/UPDATE/DELETE).
  Status run();
  void reset();

  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool isNull(int column) const;

  const sqlite3_stmt* handle() const noexcept { return statement_.get(); }

 private:
  struct Finalize {
    std::shared_ptr<StatementCache> cache;

    void operator()(sqlite3_stmt* statement) const {
      if (cache) {
        cache->giveBack(statement);
      } else {
        sqlite3_finalize(statement);
      }
    }
  };

  std::unique_ptr<sqlite3_stmt, Finalize> statement_;
};

enum class Durability { Full, Relaxed };

class Database {
 public:
  // Opens (creating if needed) with WAL and synchronous=FULL: a committed transaction survives a
  // power cut. Errors name the path and what to check.
  static Result<Database> open(const std::string& path);

  Status exec(std::string_view sql);
  // Reuses a statement prepared earlier for the same SQL on this connection when one is idle.
  Result<Statement> prepare(std::string_view sql);

  // BEGIN IMMEDIATE … COMMIT; rolled back if `body` fails.
  // Durability::Relaxed commits without waiting for fsync (synchronous=NORMAL; in WAL mode the
  // database stays consistent, a power cut may take back the last such commits): only for
  // bookkeeping that is safe to redo. Every other transaction runs with synchronous=FULL, and
  // fails rather than commit with less if FULL cannot be set back.
  template <typename Body>
  Status transaction(Body&& body, Durability durability = Durability::Full) {
    if (auto set = setDurability(durability); !set) {
      return set;
    }
    Status result = [&]() -> Status {
      if (auto begun = exec("BEGIN IMMEDIATE"); !begun) {
        return begun;
      }
      Status done = std::forward<Body>(body)();
      if (!done) {
        (void)exec("ROLLBACK");
        return done;
      }
      return exec("COMMIT");
    }();
    if (durability == Durability::Relaxed) {
      // Plain statements outside transaction() must not inherit NORMAL. If this fails, the next
      // Full transaction tries again before it begins.
      (void)setDurability(Durability::Full);
    }
    return result;
  }

  std::int64_t changes() const { return sqlite3_changes(db_.get()); }

  const std::string& path() const noexcept { return path_; }

  sqlite3* handle() const noexcept { return db_.get(); }

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };

  Status setDurability(Durability durability);

  std::unique_ptr<sqlite3, Close> db_;
  // Declared after db_, so destroyed first: cached statements are finalized before the
  // connection closes. A Statement still held elsewhere keeps the cache (and, through
  // sqlite3_close_v2, the connection) alive until it is dropped.
  std::shared_ptr<StatementCache> statements_ = std::make_shared<StatementCache>();
  std::string path_;
  Durability durability_ = Durability::Full;
};

}  // namespace punchlink::sqlite
