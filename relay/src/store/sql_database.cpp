#include "store/sql_database.hpp"

namespace punchlink::relay::sql {

void bindValue(Statement& statement, int index, std::string_view text) {
  statement.bind(index, text);
}

void bindValue(Statement& statement, int index, const std::string& text) {
  statement.bind(index, std::string_view(text));
}

void bindValue(Statement& statement, int index, const char* text) {
  statement.bind(index, std::string_view(text));
}

void bindValue(Statement& statement, int index, std::int64_t value) {
  statement.bind(index, value);
}

void bindValue(Statement& statement, int index, int value) {
  statement.bind(index, std::int64_t{value});
}

void bindValue(Statement& statement, int index, std::size_t value) {
  statement.bind(index, static_cast<std::int64_t>(value));
}

void bindValue(Statement& statement, int index, bool value) {
  statement.bind(index, std::int64_t{value ? 1 : 0});
}

void bindValue(Statement& statement, int index, std::nullopt_t) { statement.bindNull(index); }

Result<DatabasePtr> open(const std::string& location) {
  if (location.rfind("postgres://", 0) == 0 || location.rfind("postgresql://", 0) == 0) {
    return openPostgres(location);
  }
  return openSqlite(location.rfind("sqlite:", 0) == 0 ? location.substr(7) : location);
}

}  // namespace punchlink::relay::sql
