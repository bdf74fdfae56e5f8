// sql::Database over libpq. Each statement runs as one round trip with text parameters; the
// connection keeps the statements it has run prepared on the server (parsed and planned once,
// like the SQLite statement cache), since parsing and planning again was a third of the
// server's CPU under webhook delivery. A dropped connection is re-opened before the next
// transaction or statement, never in the middle of a transaction, where it would silently
// split it.
#include "store/sql_database.hpp"
#include "store/sql_dialect.hpp"

#include <array>
#include <charconv>
#include <libpq-fe.h>
#include <map>

namespace punchlink::relay::sql {

namespace {

constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
// pg_advisory_lock keys: schema migrations ("punchlnk" in ASCII), and the order in which
// id-ordered rows become visible (one more).
constexpr std::string_view kSchemaLockKey = "8103509043785378667";
constexpr std::string_view kAppendOrderKey = "8103509043785378668";
// Statements kept prepared per connection; beyond that they run unprepared (SQL built from
// filters has a few shapes, but nothing bounds them).
constexpr std::size_t kMaxPreparedStatements = 256;
// SQLSTATE invalid_sql_statement_name: a prepared statement the server no longer has.
constexpr std::string_view kNoSuchPrepared = "26000";
// Run on every new session. Timestamps are stored as text by the store; the server's zone must
// not matter anywhere.
constexpr const char* kSessionSetup = "SET TIME ZONE 'UTC'";

struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};

using ResultPtr = std::unique_ptr<PGresult, ClearResult>;

struct Finish {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

class PostgresDatabase;

class PostgresStatement final : public StatementImpl {
 public:
  PostgresStatement(PostgresDatabase& db, std::string sql) : db_(db), sql_(std::move(sql)) {}

  void bind(int index, std::string_view text) override {
    slot(index) = std::string(text);
    types_[static_cast<std::size_t>(index - 1)] = kTextOid;
    // libpq passes text parameters as C strings: a NUL would cut the value short unseen.
    has_nul_ = has_nul_ || text.find('\0') != std::string_view::npos;
  }

  void bind(int index, std::int64_t value) override {
    slot(index) = std::to_string(value);
    types_[static_cast<std::size_t>(index - 1)] = kInt8Oid;
  }

  void bindNull(int index) override {
    slot(index).reset();
    types_[static_cast<std::size_t>(index - 1)] = 0;
  }

  Result<bool> step() override;

  Status run() override {
    auto done = execute();
    result_.reset();
    return done;
  }

  void reset() override {
    result_.reset();
    values_.clear();
    types_.clear();
    has_nul_ = false;
  }

  std::int64_t integer(int column) const override {
    const char* value = PQgetvalue(result_.get(), row_, column);
    std::int64_t number = 0;
    std::from_chars(value, value + PQgetlength(result_.get(), row_, column), number);
    return number;
  }

  std::string text(int column) const override {
    return {PQgetvalue(result_.get(), row_, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row_, column))};
  }

  bool isNull(int column) const override { return PQgetisnull(result_.get(), row_, column) == 1; }

 private:
  std::optional<std::string>& slot(int index) {
    const auto needed = static_cast<std::size_t>(index);
    if (values_.size() < needed) {
      values_.resize(needed);
      types_.resize(needed, 0);
    }
    return values_[needed - 1];
  }

  Status execute();

  PostgresDatabase& db_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  ResultPtr result_;
  int row_ = -1;
  bool has_nul_ = false;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(std::unique_ptr<PGconn, Finish> conn) : conn_(std::move(conn)) {}

  Dialect dialect() const override { return Dialect::Postgres; }

  Status exec(std::string_view sql) override {
    if (auto ready = ensureConnected(); !ready) {
      return ready;
    }
    const ResultPtr result(PQexec(conn_.get(), std::string(sql).c_str()));
    return check(result.get());
  }

  Result<Statement> prepare(std::string_view sql) override {
    return Statement(std::make_unique<PostgresStatement>(*this, postgresPlaceholders(sql)));
  }

  std::int64_t changes() const override { return changes_; }

  Status appendingRows() override {
    return exec("SELECT pg_advisory_xact_lock_shared(" + std::string(kAppendOrderKey) + ")");
  }

  Status beginOrderedRead() override {
    return exec("SELECT pg_advisory_lock(" + std::string(kAppendOrderKey) + ")");
  }

  void endOrderedRead() override {
    (void)exec("SELECT pg_advisory_unlock(" + std::string(kAppendOrderKey) + ")");
  }

  Status lockSchema() override {
    return exec("SELECT pg_advisory_lock(" + std::string(kSchemaLockKey) + ")");
  }

  void unlockSchema() override {
    (void)exec("SELECT pg_advisory_unlock(" + std::string(kSchemaLockKey) + ")");
  }

  // Runs a statement with parameters; keeps its rows and how many rows it changed.
  Result<ResultPtr> execute(const std::string& sql,
                            const std::vector<std::optional<std::string>>& values,
                            const std::vector<Oid>& types) {
    if (auto ready = ensureConnected(); !ready) {
      return ready.error();
    }
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const auto& value : values) {
      pointers.push_back(value ? value->c_str() : nullptr);
    }
    const int count = static_cast<int>(values.size());
    ResultPtr result;
    // Prepared per SQL text and parameter types: a NULL (untyped) where a value was typed
    // before would otherwise be read as the earlier type.
    std::string key(reinterpret_cast<const char*>(types.data()), types.size() * sizeof(Oid));
    key += sql;
    auto prepared = preparedName(key, sql, types);
    if (!prepared) {
      return prepared.error();
    }
    if (const std::string* name = *prepared; name != nullptr) {
      result.reset(
          PQexecPrepared(conn_.get(), name->c_str(), count, pointers.data(), nullptr, nullptr, 0));
      if (const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
          state != nullptr && state == kNoSuchPrepared) {
        prepared_.erase(key);  // prepared again next time
      }
    } else {
      result.reset(PQexecParams(conn_.get(), sql.c_str(), count, types.data(), pointers.data(),
                                nullptr, nullptr, 0));
    }
    if (auto ok = check(result.get()); !ok) {
      return ok.error();
    }
    const char* changed = PQcmdTuples(result.get());
    changes_ = 0;
    std::from_chars(changed, changed + std::char_traits<char>::length(changed), changes_);
    return result;
  }

 protected:
  Status runTransaction(const std::function<Status()>& body, Durability durability) override {
    const char* begin =
        durability == Durability::Relaxed ? "BEGIN; SET LOCAL synchronous_commit TO OFF" : "BEGIN";
    Status begun = exec(begin);
    if (!begun && PQstatus(conn_.get()) != CONNECTION_OK) {
      // The server went away since the last statement (a restart, a failover): nothing of this
      // transaction has run yet, so it starts again on a new connection.
      begun = exec(begin);
    }
    if (!begun) {
      return begun;
    }
    in_transaction_ = true;
    Status done = body();
    if (done) {
      done = exec("COMMIT");
    }
    if (!done) {
      (void)exec("ROLLBACK");
    }
    in_transaction_ = false;
    return done;
  }

 private:
  // The name of the server-side statement for `key`, prepared now if new; nullptr when the cache
  // is full (the statement then runs unprepared); the server's error if it refused it.
  Result<const std::string*> preparedName(const std::string& key,
                                          const std::string& sql,
                                          const std::vector<Oid>& types) {
    if (const auto found = prepared_.find(key); found != prepared_.end()) {
      return &found->second;
    }
    if (prepared_.size() >= kMaxPreparedStatements) {
      return static_cast<const std::string*>(nullptr);
    }
    std::string name = "punchlink_" + std::to_string(next_prepared_++);
    const ResultPtr made(PQprepare(conn_.get(), name.c_str(), sql.c_str(),
                                   static_cast<int>(types.size()), types.data()));
    if (auto ok = check(made.get()); !ok) {
      return ok.error();
    }
    return &prepared_.emplace(key, std::move(name)).first->second;
  }

  // A lost connection (a server restart, a failover) is re-opened between transactions.
  Status ensureConnected() {
    if (PQstatus(conn_.get()) == CONNECTION_OK) {
      return {};
    }
    if (in_transaction_) {
      return makeError(ErrorCode::Unavailable,
                       "lost the connection to PostgreSQL in a transaction; it was rolled back",
                       "check the database server; the relay retries");
    }
    PQreset(conn_.get());
    prepared_.clear();  // a new session has none of them
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      return makeError(ErrorCode::Unavailable,
                       "cannot reach PostgreSQL: " + trimmed(PQerrorMessage(conn_.get())),
                       "check that the database server is running and reachable");
    }
    // A new session: what openPostgres set on the first one is set again.
    const ResultPtr zone(PQexec(conn_.get(), kSessionSetup));
    return check(zone.get());
  }

  Status check(const PGresult* result) {
    const ExecStatusType status = PQresultStatus(result);
    if (result != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) {
      return {};
    }
    const bool lost = PQstatus(conn_.get()) != CONNECTION_OK;
    std::string message = result != nullptr ? trimmed(PQresultErrorMessage(result)) : std::string();
    if (message.empty()) {
      message = trimmed(PQerrorMessage(conn_.get()));
    }
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    if (state != nullptr) {
      message += std::string(" (SQLSTATE ") + state + ")";
    }
    return makeError(lost ? ErrorCode::Unavailable : ErrorCode::Internal,
                     "database error: " + message,
                     lost ? "check that the database server is running and reachable" : "");
  }

  std::unique_ptr<PGconn, Finish> conn_;
  std::map<std::string, std::string> prepared_;  // parameter types + SQL -> statement name
  std::uint64_t next_prepared_ = 0;
  std::int64_t changes_ = 0;
  bool in_transaction_ = false;
};

Status PostgresStatement::execute() {
  if (has_nul_) {
    return makeError(ErrorCode::InvalidInput,
                     "text with a NUL character cannot be stored in PostgreSQL",
                     "remove control characters from the value");
  }
  auto result = db_.execute(sql_, values_, types_);
  if (!result) {
    return result.error();
  }
  result_ = std::move(*result);
  row_ = -1;
  return {};
}

Result<bool> PostgresStatement::step() {
  if (!result_) {
    if (auto done = execute(); !done) {
      return done.error();
    }
  }
  ++row_;
  return row_ < PQntuples(result_.get());
}

}  // namespace

Result<DatabasePtr> openPostgres(const std::string& uri) {
  // Defaults the URI may override: a dead server or network is noticed within about a minute
  // (TCP keepalives, tcp_user_timeout) instead of a statement blocking for good.
  const std::array<const char*, 8> keywords = {"connect_timeout",
                                               "keepalives_idle",
                                               "keepalives_interval",
                                               "keepalives_count",
                                               "tcp_user_timeout",
                                               "application_name",
                                               "dbname",
                                               nullptr};
  const std::array<const char*, 8> values = {
      "10", "30", "10", "3", "60000", "punchlink-relay", uri.c_str(), nullptr};
  std::unique_ptr<PGconn, Finish> conn(PQconnectdbParams(keywords.data(), values.data(), 1));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    const std::string why = conn ? trimmed(PQerrorMessage(conn.get())) : "out of memory";
    return makeError(ErrorCode::Unavailable, "cannot connect to PostgreSQL: " + why,
                     "check the storage: setting (postgres://user@host:port/database), that the "
                     "server is running there and that pg_hba.conf lets this user connect");
  }
  // Notices (e.g. "relation already exists, skipping") are not for the relay's log.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  auto db = std::make_unique<PostgresDatabase>(std::move(conn));
  if (auto set = db->exec(kSessionSetup); !set) {
    return set.error();
  }
  return DatabasePtr(std::move(db));
}

}  // namespace punchlink::relay::sql
