#include <punchlink/common/sqlite_db.hpp>

namespace punchlink::sqlite {

namespace {

Error sqliteError(sqlite3* db, std::string_view what) {
  return makeError(ErrorCode::Internal,
                   std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "unknown"));
}

}  // namespace

StatementCache::~StatementCache() {
  for (const auto& entry : idle_) {
    sqlite3_finalize(entry.second);
  }
}

sqlite3_stmt* StatementCache::take(std::string_view sql) {
  const std::lock_guard lock(mutex_);
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    if (it->first == sql) {
      sqlite3_stmt* statement = it->second;
      // Swap-remove: order does not matter, and the vector stays small.
      *it = std::move(idle_.back());
      idle_.pop_back();
      return statement;
    }
  }
  return nullptr;
}

void StatementCache::giveBack(sqlite3_stmt* statement) {
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  const char* sql = sqlite3_sql(statement);
  {
    const std::lock_guard lock(mutex_);
    if (sql != nullptr && idle_.size() < kMaxStatements) {
      idle_.emplace_back(sql, statement);
      return;
    }
  }
  sqlite3_finalize(statement);
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_.get(), index, value);
  return *this;
}

Statement& Statement::bindNull(int index) {
  sqlite3_bind_null(statement_.get(), index);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3* db = sqlite3_db_handle(statement_.get());
  const Error error = makeError(rc == SQLITE_FULL ? ErrorCode::Unavailable : ErrorCode::Internal,
                                std::string("database error: ") + sqlite3_errmsg(db),
                                rc == SQLITE_FULL ? "the disk is full: free space" : "");
  sqlite3_reset(statement_.get());
  return error;
}

Status Statement::run() {
  auto result = step();
  sqlite3_reset(statement_.get());
  if (!result) {
    return result.error();
  }
  return {};
}

void Statement::reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_.get(), column);
}

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.get(), column);
  return data == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

bool Statement::isNull(int column) const {
  return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
}

Result<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  db.path_ = path;
  if (rc != SQLITE_OK) {
    return makeError(ErrorCode::Unavailable,
                     "cannot open database " + path + ": " + sqlite3_errstr(rc),
                     "check that the folder exists and is writable by this user");
  }
  sqlite3_busy_timeout(raw, 5000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto done = db.exec(pragma); !done) {
      return makeError(ErrorCode::Unavailable,
                       "cannot prepare database " + path + ": " + done.error().message,
                       "check that the file is a punchlink database and not corrupted");
    }
  }
  return db;
}

Status Database::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string what = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return makeError(ErrorCode::Internal, "database error: " + what);
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  if (sqlite3_stmt* kept = statements_->take(sql); kept != nullptr) {
    return Statement(kept, statements_);
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) {
    return sqliteError(db_.get(), "cannot prepare statement");
  }
  // Kept by the text SQLite reports for it; SQL with trailing text would be kept under another
  // key and never found again, so it is not kept.
  const char* text = sqlite3_sql(statement);
  if (text == nullptr || std::string_view(text) != sql) {
    return Statement(statement);
  }
  return Statement(statement, statements_);
}

Status Database::setDurability(Durability durability) {
  if (durability == durability_) {
    return {};
  }
  auto set = exec(durability == Durability::Full ? "PRAGMA synchronous=FULL"
                                                 : "PRAGMA synchronous=NORMAL");
  if (set) {
    durability_ = durability;
  }
  return set;
}

}  // namespace punchlink::sqlite
