#include <punchlink/common/untrusted_json.hpp>

#include <string>

namespace punchlink {

std::size_t jsonNestingDepth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) {
          return limit + 1;
        }
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<nlohmann::ordered_json> parseUntrustedJson(std::string_view text, JsonLimits limits) {
  if (text.size() > limits.max_bytes) {
    return makeError(ErrorCode::InvalidInput, "JSON of " + std::to_string(text.size()) +
                                                  " bytes exceeds the limit of " +
                                                  std::to_string(limits.max_bytes));
  }
  if (jsonNestingDepth(text, limits.max_depth) > limits.max_depth) {
    return makeError(ErrorCode::InvalidInput,
                     "JSON nested deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  auto doc = nlohmann::ordered_json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return makeError(ErrorCode::InvalidInput, std::string(kNotJson));
  }
  return doc;
}

}  // namespace punchlink
