// Pure text rewrites that let the store's SQL, written once in SQLite's spelling, run on
// PostgreSQL. Kept apart from the connection code so they are unit-tested on their own.
#pragma once

#include <string>
#include <string_view>

namespace punchlink::relay::sql {

// `?` and `?N` placeholders as PostgreSQL's `$N`, numbered the way SQLite numbers them (a bare
// `?` takes one more than the largest number so far). Question marks inside string literals,
// quoted identifiers and comments are left alone.
std::string postgresPlaceholders(std::string_view sql);

// A migration's DDL for PostgreSQL: 64-bit integers throughout (SQLite's INTEGER is 64-bit),
// identity columns for AUTOINCREMENT keys, and byte-order ("C") collation on text, so that
// ordering and keyset cursors behave exactly as on SQLite whatever the database's locale.
std::string postgresSchema(std::string_view ddl);

}  // namespace punchlink::relay::sql
