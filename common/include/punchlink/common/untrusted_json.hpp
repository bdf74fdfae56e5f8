// The one way punchlink parses JSON that comes from outside (REST bodies, MQTT payloads from
// any site, agents' command messages): bounded in size and nesting before a tree is built, so a
// hostile document can neither exhaust memory nor overflow the stack of the recursive
// operations (dump, conversions, destruction) that later touch it.
#pragma once

#include <punchlink/common/result.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace punchlink {

struct JsonLimits {
  std::size_t max_bytes = std::size_t{1} << 20;
  // Real payloads nest 3-4 levels; 32 leaves room and keeps recursion shallow.
  std::size_t max_depth = 32;
};

// The message of the error for text that is not JSON at all (as opposed to a limit broken).
inline constexpr std::string_view kNotJson = "not valid JSON (or not UTF-8)";

// The document, or InvalidInput saying which limit it broke (or kNotJson).
// Keys keep the sender's order.
Result<nlohmann::ordered_json> parseUntrustedJson(std::string_view text, JsonLimits limits = {});

// The deepest nesting of arrays and objects in `text`, strings skipped; 0 for a scalar. Stops
// counting (and returns limit + 1) as soon as `limit` is passed. Text that is not JSON gives a
// number too; the parser rejects it afterwards.
std::size_t jsonNestingDepth(std::string_view text, std::size_t limit);

}  // namespace punchlink
