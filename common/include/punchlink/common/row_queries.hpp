// The row-reading helpers every prepared-statement type offers (SQLite's and the relay's SQL
// layer over SQLite or PostgreSQL), written once over the type's own step().
#pragma once

#include <punchlink/common/result.hpp>

#include <optional>
#include <type_traits>
#include <vector>

namespace punchlink {

template <typename Statement>
class RowQueries {
 public:
  // Calls `row(statement)` for every result row; stops at the first error.
  template <typename RowFn>
  Status each(RowFn&& row) {
    auto& self = static_cast<Statement&>(*this);
    while (true) {
      auto more = self.step();
      if (!more) {
        return more.error();
      }
      if (!*more) {
        return {};
      }
      row(self);
    }
  }

  // Every row mapped by `map(statement)`.
  template <typename MapFn>
  auto all(MapFn&& map) -> Result<std::vector<std::invoke_result_t<MapFn, Statement&>>> {
    std::vector<std::invoke_result_t<MapFn, Statement&>> rows;
    if (auto done = each([&](Statement& row) { rows.push_back(map(row)); }); !done) {
      return done.error();
    }
    return rows;
  }

  // The first row mapped by `map(statement)`, or nullopt when there is none.
  template <typename MapFn>
  auto first(MapFn&& map) -> Result<std::optional<std::invoke_result_t<MapFn, Statement&>>> {
    using Row = std::invoke_result_t<MapFn, Statement&>;
    auto& self = static_cast<Statement&>(*this);
    auto more = self.step();
    if (!more) {
      return more.error();
    }
    if (!*more) {
      return std::optional<Row>{};
    }
    return std::optional<Row>(map(self));
  }
};

}  // namespace punchlink
