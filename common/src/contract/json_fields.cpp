#include "json_fields.hpp"

#include <punchlink/common/untrusted_json.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/topics.hpp>

#include <algorithm>
#include <limits>

namespace punchlink::contract::detail {

Result<json> parseObject(std::string_view payload, std::string_view what) {
  auto doc = parseUntrustedJson(payload, {kMaxPayloadBytes, kMaxPayloadDepth});
  if (!doc && doc.error().message != kNotJson) {
    return makeError(ErrorCode::InvalidInput, std::string(what) + ": " + doc.error().message);
  }
  if (!doc || !doc->is_object()) {
    return makeError(ErrorCode::InvalidInput, std::string(what) + " is not a JSON object");
  }
  return std::move(*doc);
}

const json* listMember(const json& object, const char* key) {
  if (!object.contains(key)) {
    return nullptr;
  }
  const json& value = object.at(key);
  return value.is_array() ? &value : nullptr;
}

std::string dumpCompact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void truncateUtf8(std::string& text, std::size_t max) {
  if (text.size() <= max) {
    return;
  }
  std::size_t end = max;
  // Back off continuation bytes (10xxxxxx) so the cut lands before a sequence's lead byte.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
    --end;
  }
  text.resize(end);
}

void FieldReader::fail(std::string problem) {
  if (problem_.empty()) {
    problem_ = std::move(problem);
  }
}

const json* FieldReader::field(const char* key) {
  const auto found = object_.find(key);
  return found == object_.end() || found->is_null() ? nullptr : &*found;
}

std::string FieldReader::text(const char* key, std::size_t max, bool required) {
  const json* value = field(key);
  if (value == nullptr) {
    if (required) {
      fail(std::string(key) + " is required");
    }
    return {};
  }
  if (!value->is_string()) {
    fail(std::string(key) + " must be a string");
    return {};
  }
  const auto& text = value->get_ref<const std::string&>();
  if ((required && text.empty()) || text.size() > max) {
    fail(std::string(key) + " must be " + (required ? "1" : "0") + " to " + std::to_string(max) +
         " characters");
    return {};
  }
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    fail(std::string(key) + " must not contain control characters");
    return {};
  }
  return text;
}

std::int64_t FieldReader::integer(const char* key,
                                  std::int64_t min,
                                  std::int64_t max,
                                  std::int64_t fallback) {
  return optionalInteger(key, min, max).value_or(fallback);
}

std::optional<std::int64_t> FieldReader::optionalInteger(const char* key,
                                                         std::int64_t min,
                                                         std::int64_t max) {
  const json* value = field(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_number_integer()) {
    fail(std::string(key) + " must be an integer");
    return std::nullopt;
  }
  // Unsigned values above INT64_MAX must not wrap into range.
  const bool fits = !value->is_number_unsigned() ||
                    value->get<std::uint64_t>() <=
                        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const std::int64_t number = fits ? value->get<std::int64_t>() : max;
  if (!fits || number < min || number > max) {
    fail(std::string(key) + " must be from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return number;
}

bool FieldReader::boolean(const char* key, bool required, bool fallback) {
  const json* value = field(key);
  if (value == nullptr) {
    if (required) {
      fail(std::string(key) + " is required");
    }
    return fallback;
  }
  if (!value->is_boolean()) {
    fail(std::string(key) + " must be true or false");
    return fallback;
  }
  return value->get<bool>();
}

std::optional<UtcSeconds> FieldReader::time(const char* key, bool required) {
  const std::string value = text(key, 40, required);
  if (value.empty()) {
    return std::nullopt;
  }
  auto parsed = parseRfc3339(value);
  if (!parsed) {
    fail(std::string(key) + ": " + parsed.error().message);
    return std::nullopt;
  }
  return std::chrono::floor<std::chrono::seconds>(*parsed);
}

}  // namespace punchlink::contract::detail
