// Small helpers shared by the SQL store's files: ids and the conversions between UtcMillis and
// the forms the schema keeps times in (RFC 3339 text, to the second or the millisecond, and
// Unix milliseconds).
#pragma once

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/utc_time.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace punchlink::relay::sql_support {

inline std::string newId(std::string_view prefix) {
  return std::string(prefix) + crypto::randomHexToken(8);
}

// "2026-03-27T08:30:12Z": created_at and similar columns.
inline std::string secondsText(UtcMillis time) {
  return formatRfc3339(std::chrono::floor<std::chrono::seconds>(time));
}

// "2026-03-27T08:30:12.345Z": attempt times.
inline std::string millisText(UtcMillis time) { return formatRfc3339Millis(time); }

inline std::int64_t unixMs(UtcMillis time) { return time.time_since_epoch().count(); }

inline UtcMillis fromUnixMs(std::int64_t ms) { return UtcMillis{std::chrono::milliseconds{ms}}; }

// A time column's text; the epoch for text that is not a time (never written by the store).
inline UtcMillis storedTime(const std::string& text) {
  auto parsed = parseRfc3339(text);
  return parsed ? *parsed : UtcMillis{};
}

// The same for columns that may be empty or NULL (read as "").
inline std::optional<UtcMillis> storedOptionalTime(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  return storedTime(text);
}

}  // namespace punchlink::relay::sql_support
