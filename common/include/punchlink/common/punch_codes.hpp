// Names for terminal punch states and verify methods as the API and webhooks spell them
// (DESIGN.md: punch.type and punch.method; reference §7 for the codes).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace punchlink {

// 0 CheckIn, 1 CheckOut, 2 BreakOut, 3 BreakIn, 4 OvertimeIn, 5 OvertimeOut; nullopt otherwise
// (e.g. 255 on terminals without state keys).
std::optional<std::string_view> punchTypeName(int state) noexcept;

// Fingerprint, Face, Card, Palm, Password or Other.
std::string_view verifyMethodName(int verify) noexcept;

}  // namespace punchlink
