#include <punchlink/common/units.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace punchlink {

namespace {

struct Unit {
  std::string_view suffix;
  double factor;
};

// Splits "12.5MiB" into 12.5 and "MiB"; false if there is no leading number.
bool splitNumber(std::string_view text, double& number, std::string_view& suffix) {
  std::size_t end = 0;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) {
    ++end;
  }
  if (end == 0) {
    return false;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, number);
  if (ec != std::errc{} || ptr != text.data() + end) {
    return false;
  }
  suffix = text.substr(end);
  while (!suffix.empty() && suffix.front() == ' ') {
    suffix.remove_prefix(1);
  }
  return true;
}

}  // namespace

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  static constexpr Unit kUnits[] = {
      {"ms", 1.0}, {"s", 1000.0}, {"m", 60'000.0}, {"h", 3'600'000.0}, {"d", 86'400'000.0}};
  double number = 0;
  std::string_view suffix;
  if (!splitNumber(text, number, suffix)) {
    return makeError(ErrorCode::InvalidInput, "invalid duration \"" + std::string(text) + "\"",
                     "write a number with a unit: ms, s, m, h or d (e.g. 30s)");
  }
  for (const Unit& unit : kUnits) {
    if (suffix == unit.suffix) {
      const double millis = number * unit.factor;
      if (millis > static_cast<double>(std::numeric_limits<std::int64_t>::max()) / 2.0) {
        return makeError(ErrorCode::InvalidInput,
                         "duration \"" + std::string(text) + "\" is too long");
      }
      return std::chrono::milliseconds{std::llround(millis)};
    }
  }
  return makeError(ErrorCode::InvalidInput,
                   "invalid duration \"" + std::string(text) + "\": missing or unknown unit",
                   "write a number with a unit: ms, s, m, h or d (e.g. 30s)");
}

std::string formatDuration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms != 0 && ms % 86'400'000 == 0) {
    return std::to_string(ms / 86'400'000) + "d";
  }
  if (ms != 0 && ms % 3'600'000 == 0) {
    return std::to_string(ms / 3'600'000) + "h";
  }
  if (ms != 0 && ms % 60'000 == 0) {
    return std::to_string(ms / 60'000) + "m";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

Result<std::uint64_t> parseByteSize(std::string_view text) {
  static constexpr Unit kUnits[] = {{"", 1.0},
                                    {"B", 1.0},
                                    {"KB", 1e3},
                                    {"MB", 1e6},
                                    {"GB", 1e9},
                                    {"TB", 1e12},
                                    {"KiB", 1024.0},
                                    {"MiB", 1024.0 * 1024},
                                    {"GiB", 1024.0 * 1024 * 1024},
                                    {"TiB", 1024.0 * 1024 * 1024 * 1024}};
  double number = 0;
  std::string_view suffix;
  if (!splitNumber(text, number, suffix)) {
    return makeError(ErrorCode::InvalidInput, "invalid size \"" + std::string(text) + "\"",
                     "write bytes or a number with a unit: KiB, MiB, GiB, KB, MB, GB");
  }
  for (const Unit& unit : kUnits) {
    if (suffix == unit.suffix) {
      const double bytes = number * unit.factor;
      if (bytes > 9.0e18) {
        return makeError(ErrorCode::InvalidInput,
                         "size \"" + std::string(text) + "\" is too large");
      }
      return static_cast<std::uint64_t>(std::llround(bytes));
    }
  }
  return makeError(ErrorCode::InvalidInput,
                   "invalid size \"" + std::string(text) + "\": unknown unit",
                   "write bytes or a number with a unit: KiB, MiB, GiB, KB, MB, GB");
}

std::string formatByteSize(std::uint64_t bytes) {
  static constexpr std::pair<std::uint64_t, std::string_view> kUnits[] = {
      {1ULL << 40U, "TiB"}, {1ULL << 30U, "GiB"}, {1ULL << 20U, "MiB"}, {1ULL << 10U, "KiB"}};
  for (const auto& [size, name] : kUnits) {
    if (bytes != 0 && bytes % size == 0) {
      return std::to_string(bytes / size) + std::string(name);
    }
  }
  return std::to_string(bytes);
}

}  // namespace punchlink
