// UTC timestamps as they cross process boundaries: RFC 3339 with a trailing "Z" (DESIGN.md:
// "Everything after the agent is UTC"), plus parsing of the forms REST clients send.
#pragma once

#include <punchlink/common/result.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace punchlink {

using UtcSeconds = std::chrono::sys_seconds;
using UtcMillis = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-03-27T08:30:12Z"
std::string formatRfc3339(UtcSeconds time);
// "2026-03-27T08:30:12.345Z"
std::string formatRfc3339Millis(UtcMillis time);

// "2026-03-27T08:30:12Z": a millisecond time to the second (truncated), as the API shows times.
inline std::string formatRfc3339Seconds(UtcMillis time) {
  return formatRfc3339(std::chrono::floor<std::chrono::seconds>(time));
}

// The same for Unix milliseconds, as the databases store times.
inline std::string formatRfc3339Millis(std::int64_t unix_ms) {
  return formatRfc3339Millis(UtcMillis{std::chrono::milliseconds{unix_ms}});
}

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" (also 't'/'z' and a space for 'T', as RFC
// 3339 §5.6 allows). Fractions beyond milliseconds are truncated. Errors say what was expected.
Result<UtcMillis> parseRfc3339(std::string_view text);

// Accepts a calendar date "YYYY-MM-DD" and returns its midnight (UTC), or an RFC 3339 timestamp.
// Used by REST filters such as start_date, which take either form.
Result<UtcMillis> parseDateOrRfc3339(std::string_view text);

}  // namespace punchlink
