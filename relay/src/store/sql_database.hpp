// The SQL connection the relay's store runs on: one interface over SQLite (one node, the
// default) and PostgreSQL (several nodes), so the store's queries are written once. Statements
// use `?` (or `?N`) placeholders on both; the PostgreSQL side numbers them itself.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/row_queries.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace punchlink::relay::sql {

enum class Dialect { Sqlite, Postgres };

// Full: a commit is on disk before it returns. Relaxed: only for bookkeeping that is safe to
// redo (leases, attempt records): SQLite commits with synchronous=NORMAL, PostgreSQL with
// synchronous_commit off.
enum class Durability { Full, Relaxed };

class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bind(int index, std::string_view text) = 0;
  virtual void bind(int index, std::int64_t value) = 0;
  virtual void bindNull(int index) = 0;
  virtual Result<bool> step() = 0;
  virtual Status run() = 0;
  virtual void reset() = 0;
  virtual std::int64_t integer(int column) const = 0;
  virtual std::string text(int column) const = 0;
  virtual bool isNull(int column) const = 0;
};

class Statement;

// Binding of the value types the store passes: text, integers, booleans (0/1), UTC times (Unix
// milliseconds) and optionals (NULL when empty).
void bindValue(Statement& statement, int index, std::string_view text);
void bindValue(Statement& statement, int index, const std::string& text);
void bindValue(Statement& statement, int index, const char* text);
void bindValue(Statement& statement, int index, std::int64_t value);
void bindValue(Statement& statement, int index, int value);
void bindValue(Statement& statement, int index, std::size_t value);
void bindValue(Statement& statement, int index, bool value);
void bindValue(Statement& statement, int index, std::nullopt_t);

template <typename T>
void bindValue(Statement& statement, int index, const std::optional<T>& value);

// A prepared statement: bind parameters (1-based), then step through rows or run it.
class Statement : public RowQueries<Statement> {
 public:
  Statement() = default;

  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

  Statement& bind(int index, std::string_view text) {
    impl_->bind(index, text);
    return *this;
  }

  Statement& bind(int index, std::int64_t value) {
    impl_->bind(index, value);
    return *this;
  }

  Statement& bindNull(int index) {
    impl_->bindNull(index);
    return *this;
  }

  // Resets the statement and binds `values` to ?1, ?2, … in order.
  template <typename... Values>
  Statement& bindAll(const Values&... values) {
    reset();
    int index = 0;
    (bindValue(*this, ++index, values), ...);
    return *this;
  }

  // Runs with `values` bound (reset first) and returns the number of rows changed. For
  // statements made by Database::query(), which knows the connection.
  template <typename... Values>
  Result<std::int64_t> runWith(const Values&... values);

  // true: a row is ready; false: no (more) rows.
  Result<bool> step() { return impl_->step(); }

  // Runs to completion (for INSERT/UPDATE/DELETE); the bindings stay.
  Status run() { return impl_->run(); }

  // Ready to run again; clears the bindings.
  void reset() { impl_->reset(); }

  std::int64_t integer(int column) const { return impl_->integer(column); }

  std::string text(int column) const { return impl_->text(column); }

  bool isNull(int column) const { return impl_->isNull(column); }

 private:
  friend class Database;
  std::unique_ptr<StatementImpl> impl_;
  class Database* db_ = nullptr;  // for runWith(): changes() is the connection's
};

template <typename T>
void bindValue(Statement& statement, int index, const std::optional<T>& value) {
  if (value) {
    bindValue(statement, index, *value);
  } else {
    statement.bindNull(index);
  }
}

// One connection; not thread-safe (the store serialises its use).
class Database {
 public:
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;
  // Runs SQL without parameters; may hold several statements (migrations).
  virtual Status exec(std::string_view sql) = 0;
  virtual Result<Statement> prepare(std::string_view sql) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual std::int64_t changes() const = 0;

  // A statement prepared with `values` bound: `db.query("… WHERE id = ?", id).all(map)`.
  template <typename... Values>
  Result<Statement> query(std::string_view sql, const Values&... values) {
    auto statement = prepare(sql);
    if (!statement) {
      return statement.error();
    }
    statement->db_ = this;
    statement->bindAll(values...);
    return statement;
  }

  // Runs a statement with `values` bound; the number of rows it changed.
  template <typename... Values>
  Result<std::int64_t> run(std::string_view sql, const Values&... values) {
    auto statement = query(sql, values...);
    if (!statement) {
      return statement.error();
    }
    if (auto done = statement->run(); !done) {
      return done.error();
    }
    return changes();
  }

  // The first column of the first row as an integer (a COUNT, say); 0 when there is no row.
  template <typename... Values>
  Result<std::int64_t> scalar(std::string_view sql, const Values&... values) {
    auto statement = query(sql, values...);
    if (!statement) {
      return statement.error();
    }
    auto row = statement->first([](Statement& r) { return r.integer(0); });
    if (!row) {
      return row.error();
    }
    return row->value_or(0);
  }

  // BEGIN … COMMIT around `body`; rolled back if `body` (or the commit) fails. On SQLite the
  // transaction takes the write lock at once (BEGIN IMMEDIATE), as every store transaction
  // writes. Called inside another transaction, `body` joins it (its durability is the outer
  // one's): the store's parts compose into one atomic change.
  Status transaction(const std::function<Status()>& body,
                     Durability durability = Durability::Full) {
    if (depth_ > 0) {
      return body();
    }
    ++depth_;
    Status done = runTransaction(body, durability);
    --depth_;
    appending_ = false;
    return done;
  }

  bool inTransaction() const noexcept { return depth_ > 0; }

  // Keyset pages read punches.seq and webhook_deliveries.id in order. With several writers an
  // id is taken before its transaction commits, so a reader could see id 200 while 100 is still
  // to commit, and page past it for good. A transaction that adds such rows calls
  // appendingRows() (shared among writers, held to its end); a page read runs between
  // beginOrderedRead() and endOrderedRead(), which first waits for those transactions, so it
  // sees every id below the ones it sees. No-ops on SQLite, whose one writer commits in order.
  virtual Status appendingRows() = 0;
  virtual Status beginOrderedRead() = 0;
  virtual void endOrderedRead() = 0;

  // appendingRows() once per transaction, however many parts of it add such rows.
  Status joinAppendOrder() {
    if (appending_) {
      return {};
    }
    if (auto joined = appendingRows(); !joined) {
      return joined;
    }
    appending_ = depth_ > 0;
    return {};
  }

  // Held while migrating, so nodes starting together apply each migration once.
  virtual Status lockSchema() = 0;
  virtual void unlockSchema() = 0;

 protected:
  virtual Status runTransaction(const std::function<Status()>& body, Durability durability) = 0;

 private:
  int depth_ = 0;
  bool appending_ = false;  // joinAppendOrder() ran in the current transaction
};

template <typename... Values>
Result<std::int64_t> Statement::runWith(const Values&... values) {
  bindAll(values...);
  if (auto done = run(); !done) {
    return done.error();
  }
  return db_ != nullptr ? db_->changes() : 0;
}

using DatabasePtr = std::unique_ptr<Database>;

// A SQLite file (created if missing) in WAL mode with synchronous=FULL.
Result<DatabasePtr> openSqlite(const std::string& path);

// A PostgreSQL server by libpq connection URI ("postgres://user:pass@host:port/db?…").
Result<DatabasePtr> openPostgres(const std::string& uri);

// The relay's `storage:` setting: "postgres://…" or "postgresql://…", "sqlite:PATH", or a path.
Result<DatabasePtr> open(const std::string& location);

}  // namespace punchlink::relay::sql
