#include <punchlink/common/utc_time.hpp>

#include <date/date.h>

#include <cctype>
#include <charconv>

namespace punchlink {

namespace {

using std::chrono::milliseconds;

// Reads exactly `width` digits at `pos`; false if any is not a digit.
bool readDigits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) {
    return false;
  }
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) {
      return false;
    }
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

Error badTimestamp(std::string_view text, std::string_view what) {
  return makeError(
      ErrorCode::InvalidInput,
      "invalid timestamp \"" + std::string(text.substr(0, 64)) + "\": " + std::string(what),
      "use RFC 3339, e.g. 2026-03-27T08:30:12Z");
}

Result<date::sys_days> parseDate(std::string_view text) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (text.size() < 10 || !readDigits(text, 0, 4, year) || text[4] != '-' ||
      !readDigits(text, 5, 2, month) || text[7] != '-' || !readDigits(text, 8, 2, day)) {
    return badTimestamp(text, "expected a date YYYY-MM-DD");
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) {
    return badTimestamp(text, "no such calendar date");
  }
  return date::sys_days{ymd};
}

}  // namespace

std::string formatRfc3339(UtcSeconds time) { return date::format("%Y-%m-%dT%H:%M:%SZ", time); }

std::string formatRfc3339Millis(UtcMillis time) {
  return date::format("%Y-%m-%dT%H:%M:%SZ", time);  // date prints .mmm for millisecond precision
}

Result<UtcMillis> parseRfc3339(std::string_view text) {
  auto day = parseDate(text);
  if (!day) {
    return day.error();
  }
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
    return badTimestamp(text, "expected 'T' and a time after the date");
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!readDigits(text, 11, 2, hour) || text[13] != ':' || !readDigits(text, 14, 2, minute) ||
      text[16] != ':' || !readDigits(text, 17, 2, second)) {
    return badTimestamp(text, "expected a time HH:MM:SS");
  }
  // Leap second 60 is accepted and folded into the next second, as most systems do.
  if (hour > 23 || minute > 59 || second > 60) {
    return badTimestamp(text, "time of day out of range");
  }
  std::size_t pos = 19;
  milliseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    int millis = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      if (pos - start < 3) {
        millis = millis * 10 + (text[pos] - '0');
      }
      ++pos;
    }
    if (pos == start) {
      return badTimestamp(text, "expected digits after '.'");
    }
    for (std::size_t digits = pos - start; digits < 3; ++digits) {
      millis *= 10;
    }
    fraction = milliseconds{millis};
  }
  std::chrono::minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int offset_hours = 0;
    int offset_minutes = 0;
    if (!readDigits(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !readDigits(text, pos + 4, 2, offset_minutes) ||
        offset_hours > 23 || offset_minutes > 59) {
      return badTimestamp(text, "expected a zone offset ±HH:MM");
    }
    offset = std::chrono::hours{offset_hours} + std::chrono::minutes{offset_minutes};
    if (text[pos] == '-') {
      offset = -offset;
    }
    pos += 6;
  } else {
    return badTimestamp(text, "missing zone: end with 'Z' or an offset such as +02:00");
  }
  if (pos != text.size()) {
    return badTimestamp(text, "unexpected characters after the zone");
  }
  const auto local = UtcMillis{day.value()} + std::chrono::hours{hour} +
                     std::chrono::minutes{minute} + std::chrono::seconds{second} + fraction;
  return local - offset;
}

Result<UtcMillis> parseDateOrRfc3339(std::string_view text) {
  if (text.size() == 10) {
    auto day = parseDate(text);
    if (!day) {
      return day.error();
    }
    return UtcMillis{day.value()};
  }
  return parseRfc3339(text);
}

}  // namespace punchlink
