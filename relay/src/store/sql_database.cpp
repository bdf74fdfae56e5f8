#include "store/sql_database.hpp"

namespace punchlink::relay::sql {

Result<DatabasePtr> open(const std::string& location) {
  if (location.rfind("postgres://", 0) == 0 || location.rfind("postgresql://", 0) == 0) {
    return openPostgres(location);
  }
  return openSqlite(location.rfind("sqlite:", 0) == 0 ? location.substr(7) : location);
}

}  // namespace punchlink::relay::sql
