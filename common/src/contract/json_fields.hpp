// Reading the fields of an untrusted JSON object for the contract's decoders: each reader checks
// type and bounds, and the first problem is kept (with the field's name) so a decoder can report
// exactly one clear error. Nothing here throws. Internal to punchlink_contract.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace punchlink::contract::detail {

// Ordered, so that what is decoded and encoded again (a command result's details, a punch as
// received) keeps its keys in the order the sender wrote them.
using json = nlohmann::ordered_json;

// The bound for counts a sender reports (records, rows, bytes): any non-negative int64.
inline constexpr std::int64_t kMaxCount = std::numeric_limits<std::int64_t>::max();

// Payloads nest 3-4 levels; deeper ones are refused before a tree is built.
inline constexpr std::size_t kMaxPayloadDepth = 32;

// Parses a payload that must be a JSON object, within kMaxPayloadBytes and kMaxPayloadDepth;
// InvalidInput naming `what` otherwise.
Result<json> parseObject(std::string_view payload, std::string_view what);

// The member `key` of `object` when it is present and a list; nullptr otherwise. Found through
// at() rather than a find() iterator, which GCC 12's -Wnull-dereference misreads at -O2.
const json* listMember(const json& object, const char* key);

// Compact JSON for bytes that may not be UTF-8 (names typed on terminals): invalid sequences
// become U+FFFD rather than making the dump throw.
std::string dumpCompact(const json& value);

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence (free text such as
// errors and reasons is cut, not refused).
void truncateUtf8(std::string& text, std::size_t max);

class FieldReader {
 public:
  explicit FieldReader(const json& object) : object_(object) {}

  // A string of at most `max` bytes without control characters; "" when absent (or null) and
  // not required. Control characters have no place in ids and names, and PostgreSQL cannot
  // store NUL.
  std::string text(const char* key, std::size_t max, bool required = false);
  // An integer in [min, max]; `fallback` when absent.
  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max, std::int64_t fallback);
  // The same, nullopt when absent.
  std::optional<std::int64_t> optionalInteger(const char* key, std::int64_t min, std::int64_t max);
  bool boolean(const char* key, bool required, bool fallback = false);
  // An RFC 3339 timestamp, to the second; nullopt when absent and not required.
  std::optional<UtcSeconds> time(const char* key, bool required = false);

  // Records a problem found by the caller (the first one wins).
  void fail(std::string problem);

  bool ok() const noexcept { return problem_.empty(); }

  const std::string& problem() const noexcept { return problem_; }

  const json& object() const noexcept { return object_; }

 private:
  const json* field(const char* key);

  const json& object_;
  std::string problem_;
};

}  // namespace punchlink::contract::detail
