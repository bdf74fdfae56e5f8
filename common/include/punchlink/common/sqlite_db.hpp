// A thin RAII layer over the SQLite C API (the agent's outbox, the relay's store). Errors come
// back as Result values that name the statement's purpose; nothing here throws.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/row_queries.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace punchlink::sqlite {

class Statement : public RowQueries<Statement> {
 public:
  Statement() = default;

  explicit Statement(sqlite3_stmt* statement) : statement_(statement) {}

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

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
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
  std::string path_;
  Durability durability_ = Durability::Full;
};

}  // namespace punchlink::sqlite
