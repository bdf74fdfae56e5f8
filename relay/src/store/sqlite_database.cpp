// sql::Database over the common SQLite layer (shared with the agent's outbox).
#include "store/sql_database.hpp"

#include <punchlink/common/sqlite_db.hpp>

namespace punchlink::relay::sql {

namespace {

class SqliteStatement final : public StatementImpl {
 public:
  explicit SqliteStatement(sqlite::Statement statement) : statement_(std::move(statement)) {}

  void bind(int index, std::string_view text) override { statement_.bind(index, text); }

  void bind(int index, std::int64_t value) override { statement_.bind(index, value); }

  void bindNull(int index) override { statement_.bindNull(index); }

  Result<bool> step() override { return statement_.step(); }

  Status run() override { return statement_.run(); }

  void reset() override { statement_.reset(); }

  std::int64_t integer(int column) const override { return statement_.integer(column); }

  std::string text(int column) const override { return statement_.text(column); }

  bool isNull(int column) const override { return statement_.isNull(column); }

 private:
  sqlite::Statement statement_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite::Database db) : db_(std::move(db)) {}

  Dialect dialect() const override { return Dialect::Sqlite; }

  Status exec(std::string_view sql) override { return db_.exec(sql); }

  Result<Statement> prepare(std::string_view sql) override {
    auto statement = db_.prepare(sql);
    if (!statement) {
      return statement.error();
    }
    return Statement(std::make_unique<SqliteStatement>(std::move(*statement)));
  }

  std::int64_t changes() const override { return db_.changes(); }

  Status appendingRows() override { return {}; }

  Status beginOrderedRead() override { return {}; }

  void endOrderedRead() override {}

  // One process owns the file (the relay's SQLite store is single-node).
  Status lockSchema() override { return {}; }

  void unlockSchema() override {}

 protected:
  Status runTransaction(const std::function<Status()>& body, Durability durability) override {
    return db_.transaction(body, durability == Durability::Relaxed ? sqlite::Durability::Relaxed
                                                                   : sqlite::Durability::Full);
  }

 private:
  sqlite::Database db_;
};

}  // namespace

Result<DatabasePtr> openSqlite(const std::string& path) {
  auto db = sqlite::Database::open(path);
  if (!db) {
    return db.error();
  }
  return DatabasePtr(std::make_unique<SqliteDatabase>(std::move(*db)));
}

}  // namespace punchlink::relay::sql
