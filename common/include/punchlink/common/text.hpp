// Small text helpers for protocol and config code that takes untrusted ASCII: comparisons that
// ignore ASCII case (not the locale's), and strict decimal parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace punchlink {

// Equal ignoring ASCII case ("ATTLOG" and "attlog").
bool iequals(std::string_view a, std::string_view b) noexcept;

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): what JSON
// and YAML output can carry.
bool isValidUtf8(std::string_view text) noexcept;

// Any byte below 0x20 or DEL: text that would break a log line, a header or a terminal.
bool hasControlCharacters(std::string_view text) noexcept;

// Strict decimal: optional '-' (when allow_negative), then 1..18 digits, nothing else.
std::optional<std::int64_t> parseInteger(std::string_view text, bool allow_negative) noexcept;

}  // namespace punchlink
