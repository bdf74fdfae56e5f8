#include <punchlink/common/punch_codes.hpp>

namespace punchlink {

std::optional<std::string_view> punchTypeName(int state) noexcept {
  switch (state) {
    case 0:
      return "CheckIn";
    case 1:
      return "CheckOut";
    case 2:
      return "BreakOut";
    case 3:
      return "BreakIn";
    case 4:
      return "OvertimeIn";
    case 5:
      return "OvertimeOut";
    default:
      return std::nullopt;
  }
}

std::string_view verifyMethodName(int verify) noexcept {
  // Basic firmware: 0 password, 1 fingerprint, 2 card; extended: 3 password, 4 card; face
  // terminals report 15, and community decoders use 25 for palm (reference §7).
  switch (verify) {
    case 0:
    case 3:
      return "Password";
    case 1:
      return "Fingerprint";
    case 2:
    case 4:
      return "Card";
    case 15:
      return "Face";
    case 25:
      return "Palm";
    default:
      return "Other";
  }
}

}  // namespace punchlink
