#include "adms_text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace punchlink::adms::detail {

bool LineReader::next(std::string_view& line, std::size_t& number) noexcept {
  if (pos_ >= body_.size()) {
    return false;
  }
  const std::size_t end = body_.find('\n', pos_);
  const std::size_t stop = end == std::string_view::npos ? body_.size() : end;
  line = body_.substr(pos_, stop - pos_);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  pos_ = end == std::string_view::npos ? body_.size() : end + 1;
  number = ++number_;
  return true;
}

std::string quote(std::string_view text, std::size_t max) {
  std::string out = "\"";
  const std::size_t shown = std::min(text.size(), max);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    switch (byte) {
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (byte < 0x20 || byte >= 0x7F) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(byte));
          out += hex;
        } else {
          out += static_cast<char>(byte);
        }
    }
  }
  out += '"';
  if (text.size() > shown) {
    out += "...(+" + std::to_string(text.size() - shown) + " bytes)";
  }
  return out;
}

std::string_view trimSpaces(std::string_view text) noexcept {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<std::size_t> findControl(std::string_view text, bool allow_tab) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte < 0x20 && !(allow_tab && byte == '\t')) || byte == 0x7F) {
      return i;
    }
  }
  return std::nullopt;
}

std::string describeControl(std::string_view text, std::size_t pos) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X",
                static_cast<unsigned>(static_cast<unsigned char>(text[pos])));
  return std::string("contains control byte ") + hex + " at column " + std::to_string(pos + 1);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      pieces.push_back(text.substr(start));
      return pieces;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

Result<int> parseIntField(std::string_view name, std::string_view text, int min, int max) {
  const auto value = parseInteger(text, min < 0);
  if (!value || *value < min || *value > max) {
    return makeError(ErrorCode::InvalidInput, std::string(name) + " " + quote(text) +
                                                  " is not a number in " + std::to_string(min) +
                                                  ".." + std::to_string(max));
  }
  return static_cast<int>(*value);
}

std::optional<std::string> checkUploadedPin(std::string_view pin) {
  if (pin.empty()) {
    return std::string("PIN is empty");
  }
  if (pin.size() > kMaxPinLength) {
    return "PIN " + quote(pin) + " is " + std::to_string(pin.size()) + " bytes, more than " +
           std::to_string(kMaxPinLength);
  }
  if (const auto pos = findControl(pin, false)) {
    return "PIN " + quote(pin) + " " + describeControl(pin, *pos);
  }
  // A body's leading byte-order mark is dropped, so a PIN starting with one would lose it when
  // its line came first: as stored it could never be asked for again.
  if (pin.starts_with("\xEF\xBB\xBF")) {
    return "PIN " + quote(pin) + " starts with a byte-order mark (U+FEFF)";
  }
  return std::nullopt;
}

Error invalid(std::string message, std::string hint) {
  return makeError(ErrorCode::InvalidInput, std::move(message), std::move(hint));
}

bool isHex(std::string_view text) noexcept {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool looksLikeBase64(std::string_view text) noexcept {
  if (text.empty()) {
    return false;
  }
  std::size_t padding = 0;
  for (char c : text) {
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') {
      ++padding;
    } else if (!alphabet || padding > 0) {
      return false;
    }
  }
  return padding <= 2;
}

void ErrorSink::add(std::size_t line, std::string reason) {
  if (errors_.size() < kMaxLineErrors) {
    errors_.push_back(LineError{line, std::move(reason)});
  } else {
    ++omitted_;
  }
}

}  // namespace punchlink::adms::detail

namespace punchlink::adms {

std::string toString(const LineError& error) {
  return "line " + std::to_string(error.line) + ": " + error.reason;
}

bool isValidSerial(std::string_view serial) noexcept {
  if (serial.empty() || serial.size() > kMaxSerialLength) {
    return false;
  }
  for (char c : serial) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace punchlink::adms
