// IANA time-zone conversion for terminal clocks, which keep local wall-clock time without a zone.
// Backed by Howard Hinnant's date/tz over the system tzdata (/usr/share/zoneinfo).
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>

#include <date/tz.h>

#include <chrono>
#include <string>
#include <string_view>

namespace punchlink {

using LocalSeconds = date::local_seconds;

// Builds a local wall-clock time; returns an error for impossible fields (month 13, Feb 30, ...).
Result<LocalSeconds> makeLocalTime(int year, int month, int day, int hour, int minute, int second);

// "2026-03-27 08:30:12" (the form ADMS push and logs use).
std::string formatLocalTime(LocalSeconds time);
Result<LocalSeconds> parseLocalTime(std::string_view text);

class TimeZone {
 public:
  // Looks up an IANA name such as "Europe/Berlin" or "UTC". NotFound with a hint otherwise.
  static Result<TimeZone> find(std::string_view name);

  const std::string& name() const noexcept { return name_; }

  // Local wall-clock time to UTC. Terminal clocks are set by hand, so both DST edge cases occur:
  //  - ambiguous (the repeated hour when clocks go back): the earlier instant, because a clock
  //    that shows the hour twice shows the daylight-saving one first;
  //  - nonexistent (the skipped hour when clocks go forward): read with the offset in force before
  //    the gap, i.e. as a clock that has not switched yet. Deterministic either way, which keeps
  //    event ids stable.
  UtcSeconds toUtc(LocalSeconds local) const;

  LocalSeconds toLocal(UtcSeconds utc) const;

  // False for a wall-clock time that never happened here (skipped when clocks went forward).
  bool exists(LocalSeconds local) const;

  // Offset from UTC in force at `utc`.
  std::chrono::seconds offsetAt(UtcSeconds utc) const;

 private:
  TimeZone(const date::time_zone* zone, std::string name) : zone_(zone), name_(std::move(name)) {}

  const date::time_zone* zone_;  // owned by date's tzdb, which lives until exit
  std::string name_;
};

}  // namespace punchlink
