#include <punchlink/common/text.hpp>

#include <charconv>

namespace punchlink {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::optional<std::int64_t> parseInteger(std::string_view text, bool allow_negative) noexcept {
  std::string_view digits = text;
  if (allow_negative && !digits.empty() && digits.front() == '-') {
    digits.remove_prefix(1);
  }
  // 18 digits always fit in int64, so from_chars cannot overflow and no sign tricks slip through.
  if (digits.empty() || digits.size() > 18) {
    return std::nullopt;
  }
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  std::int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return digits.size() == text.size() ? value : -value;
}

}  // namespace punchlink
