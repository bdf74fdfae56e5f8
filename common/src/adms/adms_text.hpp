// Text helpers shared by the ADMS codec sources (private to punchlink_adms): line iteration,
// bounded quoting of untrusted text for error messages, strict number parsing, error capping.
#pragma once

#include <punchlink/common/adms/adms_codec.hpp>
#include <punchlink/common/text.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::adms::detail {

// Iterates LF-separated lines and drops one trailing CR from each. A final LF ends the last line
// (it does not start an empty one). Line numbers are 1-based.
class LineReader {
 public:
  explicit LineReader(std::string_view body) noexcept : body_(body) {}

  bool next(std::string_view& line, std::size_t& number) noexcept;

 private:
  std::string_view body_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
};

// The text in double quotes with TAB/CR/LF/NUL/other control and non-ASCII bytes escaped, cut at
// `max` bytes ("...(+N bytes)"), so error messages stay printable and short whatever came in.
std::string quote(std::string_view text, std::size_t max = 40);

using punchlink::iequals;
using punchlink::parseInteger;

// Spaces (not TABs) removed from both ends.
std::string_view trimSpaces(std::string_view text) noexcept;

// Position of the first byte below 0x20 or 0x7F (TAB excepted when allow_tab), if any.
std::optional<std::size_t> findControl(std::string_view text, bool allow_tab) noexcept;

// "contains control byte 0x00 at column 5" for the byte at `pos`.
std::string describeControl(std::string_view text, std::size_t pos);

// Pieces between separators, empty pieces kept ("a\t\tb" → a, "", b).
std::vector<std::string_view> split(std::string_view text, char separator);

// A number in [min, max] or an error text naming the field ("Pri \"x\" is not a number in 0..255").
Result<int> parseIntField(std::string_view name, std::string_view text, int min, int max);

// PINs from devices: 1..kMaxPinLength bytes, no control bytes (interior spaces pass: a real unit
// stored "100 Name=Jorge Leon" as a PIN, §8.6, and its punches must not be lost).
std::optional<std::string> checkUploadedPin(std::string_view pin);

// An InvalidInput error: what every ADMS decoder returns for bytes it cannot take.
Error invalid(std::string message, std::string hint = {});

// Hex digits only, either case; empty counts.
bool isHex(std::string_view text) noexcept;

// Standard base64 alphabet with '=' padding only at the end; empty is not base64.
bool looksLikeBase64(std::string_view text) noexcept;

// Collects line errors up to kMaxLineErrors and counts the rest.
class ErrorSink {
 public:
  ErrorSink(std::vector<LineError>& errors, std::size_t& omitted) noexcept
      : errors_(errors), omitted_(omitted) {}

  void add(std::size_t line, std::string reason);

 private:
  std::vector<LineError>& errors_;
  std::size_t& omitted_;
};

}  // namespace punchlink::adms::detail
