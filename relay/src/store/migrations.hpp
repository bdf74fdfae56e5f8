// The relay's schema migrations: the files in store/migrations/, compiled in at build time in
// the order of their version prefix (0001_…sql is version 1). Written in SQLite's spelling;
// sql_dialect.hpp rewrites them for PostgreSQL unless a .postgres.sql file says it there.
#pragma once

#include <span>
#include <string_view>

namespace punchlink::relay::sql {

struct Migration {
  std::string_view file;  // "0001_….sql"
  std::string_view sql;
  // From "0001_….postgres.sql" when there is one: used on PostgreSQL as it is, instead of `sql`
  // rewritten (sql_dialect.hpp), for changes the rewrite cannot express.
  std::string_view postgres_sql;
};

// Every migration; version = position + 1.
std::span<const Migration> migrations() noexcept;

}  // namespace punchlink::relay::sql
