#include <punchlink/common/time_zone.hpp>

#include <date/date.h>

#include <cstdio>
#include <stdexcept>

namespace punchlink {

Result<LocalSeconds> makeLocalTime(int year, int month, int day, int hour, int minute, int second) {
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || !ymd.ok() || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", year, month, day, hour,
                  minute, second);
    return makeError(ErrorCode::InvalidInput, std::string("impossible local date/time ") + text);
  }
  return LocalSeconds{date::local_days{ymd}} + std::chrono::hours{hour} +
         std::chrono::minutes{minute} + std::chrono::seconds{second};
}

std::string formatLocalTime(LocalSeconds time) { return date::format("%Y-%m-%d %H:%M:%S", time); }

Result<LocalSeconds> parseLocalTime(std::string_view text) {
  int fields[6] = {};
  char separators[5] = {};
  // Fixed layout "YYYY-MM-DD HH:MM:SS"; a 'T' is tolerated in place of the space.
  constexpr std::size_t kLength = 19;
  constexpr std::size_t kStarts[6] = {0, 5, 8, 11, 14, 17};
  constexpr std::size_t kWidths[6] = {4, 2, 2, 2, 2, 2};
  if (text.size() != kLength) {
    return makeError(ErrorCode::InvalidInput,
                     "invalid local time \"" + std::string(text.substr(0, 32)) + "\"",
                     "expected YYYY-MM-DD HH:MM:SS");
  }
  for (std::size_t i = 0; i < 6; ++i) {
    int value = 0;
    for (std::size_t j = kStarts[i]; j < kStarts[i] + kWidths[i]; ++j) {
      if (text[j] < '0' || text[j] > '9') {
        return makeError(ErrorCode::InvalidInput,
                         "invalid local time \"" + std::string(text) + "\"",
                         "expected YYYY-MM-DD HH:MM:SS");
      }
      value = value * 10 + (text[j] - '0');
    }
    fields[i] = value;
    if (i < 5) {
      separators[i] = text[kStarts[i] + kWidths[i]];
    }
  }
  if (separators[0] != '-' || separators[1] != '-' ||
      (separators[2] != ' ' && separators[2] != 'T') || separators[3] != ':' ||
      separators[4] != ':') {
    return makeError(ErrorCode::InvalidInput, "invalid local time \"" + std::string(text) + "\"",
                     "expected YYYY-MM-DD HH:MM:SS");
  }
  return makeLocalTime(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
}

Result<TimeZone> TimeZone::find(std::string_view name) {
  try {
    return TimeZone(date::locate_zone(name), std::string(name));
  } catch (const std::exception&) {
    return makeError(ErrorCode::NotFound, "unknown time zone \"" + std::string(name) + "\"",
                     "use an IANA name such as Europe/Berlin or America/New_York (see "
                     "/usr/share/zoneinfo; install the tzdata package if it is empty)");
  }
}

UtcSeconds TimeZone::toUtc(LocalSeconds local) const {
  // `first` is the offset in force before any transition at this local time: for a unique time
  // the only one, for an ambiguous time the first occurrence's, for a time in a gap the offset
  // before the gap. That is exactly the documented rule in every case.
  const date::local_info info = zone_->get_info(local);
  return UtcSeconds{local.time_since_epoch() - info.first.offset};
}

LocalSeconds TimeZone::toLocal(UtcSeconds utc) const { return zone_->to_local(utc); }

bool TimeZone::exists(LocalSeconds local) const {
  return zone_->get_info(local).result != date::local_info::nonexistent;
}

std::chrono::seconds TimeZone::offsetAt(UtcSeconds utc) const {
  return zone_->get_info(utc).offset;
}

}  // namespace punchlink
