// Commands from the relay to an agent's terminal (docs/mqtt-contract.md "commands"): the types,
// their parameters and the limits both sides enforce (the relay's REST validation and the agent's
// decoder read the same constants). Pure.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace punchlink::contract {

enum class CommandType {
  EnrollUser,
  UpdateUser,
  DeleteUser,
  SetTime,
  Unlock,
  Restart,
  ReadUsers,
  ClearAttendance,
  ReadLog,     // read a time range of the terminal's log again and publish it again
  SetOptions,  // push terminals: SET OPTION, one key per command
  SyncTime,    // the terminal's clock policy (below), kept by the agent
};

// What the agent does about a terminal clock that is off: nothing, raise device.clock_drift, or
// raise it and set the clock (docs/agent-config.md "Clocks").
enum class ClockPolicy { Off, Alert, Auto };

std::string_view clockPolicyName(ClockPolicy policy) noexcept;
std::optional<ClockPolicy> clockPolicyNamed(std::string_view name) noexcept;

// Drift thresholds a policy may use, in seconds.
inline constexpr std::int64_t kMinClockThresholdSeconds = 1;
inline constexpr std::int64_t kMaxClockThresholdSeconds = 86'400;
inline constexpr std::int64_t kDefaultClockThresholdSeconds = 60;

std::string_view commandTypeName(CommandType type) noexcept;
std::optional<CommandType> commandTypeNamed(std::string_view name) noexcept;
// Every type, in the documented order.
std::span<const CommandType> commandTypes() noexcept;

// Limits of a user on a terminal (the ZK user record, shared/reference/zk-protocol.md §5).
inline constexpr std::size_t kMaxUserIdLength = 23;
inline constexpr std::size_t kMaxUserNameBytes = 23;
inline constexpr std::size_t kMaxPasswordLength = 8;
inline constexpr std::uint32_t kMaxCard = 0xFFFFFFFF;
inline constexpr std::size_t kMaxTemplates = 10;
inline constexpr std::uint8_t kMaxFingerIndex = 9;
inline constexpr std::size_t kMaxTemplateBytes = 16 * 1024;
inline constexpr std::size_t kMaxCommandIdLength = 128;
inline constexpr std::int64_t kMinUnlockSeconds = 1;
inline constexpr std::int64_t kMaxUnlockSeconds = 60;

// The privilege levels terminals know: user, enroller, manager, admin.
bool isValidPrivilege(std::int64_t privilege) noexcept;
// 1-23 characters, and not "0", which terminals reserve.
bool isValidUserId(std::string_view user_id) noexcept;

struct FingerTemplate {
  std::uint8_t finger = 0;  // 0..9
  std::uint8_t valid = 1;   // 1 valid, 3 duress
  std::vector<std::uint8_t> data;

  friend bool operator==(const FingerTemplate&, const FingerTemplate&) = default;
};

struct UserParams {
  std::string user_id;
  std::string name;
  std::uint8_t privilege = 0;
  std::string password;
  std::uint32_t card = 0;
  std::vector<FingerTemplate> templates;

  friend bool operator==(const UserParams&, const UserParams&) = default;
};

struct Command {
  std::string command_id;
  std::string device;  // serial or configured name
  CommandType type = CommandType::Unlock;
  std::string type_text;  // as received, for results of commands that could not be decoded
  std::optional<UtcSeconds> expires_at;
  UserParams user;                 // enroll/update/delete
  std::optional<UtcSeconds> time;  // set_time; now when absent
  std::chrono::seconds unlock_for{5};
  std::optional<UtcSeconds> from;  // read_log, inclusive
  std::optional<UtcSeconds> to;
  ClockPolicy clock_policy = ClockPolicy::Alert;  // sync_time
  std::chrono::seconds clock_threshold{kDefaultClockThresholdSeconds};
  std::vector<std::pair<std::string, std::string>> options;  // set_options, in key order

  friend bool operator==(const Command&, const Command&) = default;
};

// What a payload names, as far as it can be read, for the failure result of a command that
// does not decode: strings only, each empty when absent or not a short string.
struct CommandHeader {
  std::string command_id;
  std::string device;
  std::string type;
};

CommandHeader peekCommandHeader(std::string_view payload);

// The payload for `command` (type_text is not sent; the type's name is).
std::string encodeCommand(const Command& command);

// Errors are InvalidInput naming the field; they carry the command id (when the payload had
// one) in `hint`, so the failure result can name the command.
Result<Command> decodeCommand(std::string_view payload);

// The payload without what lets someone act as a user: PIN, card number, fingerprint templates
// and option values (they may hold keys). Kept once a command has finished; a payload that does
// not decode keeps only its header.
std::string redactCommand(std::string_view payload);

}  // namespace punchlink::contract
