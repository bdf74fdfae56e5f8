#include "push_command_plan.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/utc_time.hpp>

#include <nlohmann/json.hpp>

#include <variant>

namespace punchlink::agent {

namespace {

// A set_time within this of now is what the agent's Date header gives the terminal anyway.
constexpr std::chrono::seconds kSetTimeTolerance{60};
const std::pair<LocalSeconds, LocalSeconds> kTerminalCalendar{
    LocalSeconds{date::local_days{date::year{2000} / 1 / 1}},
    LocalSeconds{date::local_days{date::year{2100} / 1 / 1}} - std::chrono::seconds{1}};

adms::UpdateUser userInfo(const UserSpec& user) {
  adms::UpdateUser info;
  info.pin = user.user_id;
  info.name = user.name;
  info.privilege = user.privilege;
  info.password = user.password;
  info.card = user.card == 0 ? std::string() : std::to_string(user.card);
  return info;
}

std::vector<adms::Command> userPhase(const UserSpec& user) {
  std::vector<adms::Command> phase{userInfo(user)};
  if (user.templates.empty()) {
    return phase;
  }
  // The templates given replace the user's: fingers not listed must not keep old prints.
  phase.emplace_back(adms::DeleteFingerprint{user.user_id, std::nullopt});
  for (const auto& tmpl : user.templates) {
    phase.emplace_back(adms::UpdateFingerprint{user.user_id, tmpl.finger, tmpl.valid,
                                               crypto::base64Encode(tmpl.data)});
  }
  return phase;
}

std::string familyOf(const adms::Command& command) {
  auto line = adms::encodeCommand("0", command);
  if (!line) {
    return "command";
  }
  // "C:0:DATA UPDATE USERINFO PIN=…" → "DATA UPDATE USERINFO"
  std::string desc = line->substr(4);
  const auto fields = desc.find_first_of("=\t");
  if (fields != std::string::npos) {
    desc = desc.substr(0, fields);
    desc = desc.substr(0, desc.find_last_of(' '));
  }
  return desc;
}

}  // namespace

Result<PushPlan> planPushCommand(const Command& command,
                                 const TimeZone& zone,
                                 const std::string& device_type,
                                 UtcSeconds now) {
  PushPlan plan;
  switch (command.type) {
    case CommandType::EnrollUser:
      plan.phases.push_back(userPhase(command.user));
      break;
    case CommandType::UpdateUser:
      // DATA UPDATE creates absent users; update_user must not, so ask first.
      plan.phases.push_back({adms::QueryUsers{command.user.user_id}});
      plan.phases.push_back(userPhase(command.user));
      break;
    case CommandType::DeleteUser:
      plan.phases.push_back({adms::DeleteUser{command.user.user_id}});
      break;
    case CommandType::SetTime:
      if (command.time &&
          (*command.time - now > kSetTimeTolerance || now - *command.time > kSetTimeTolerance)) {
        return makeError(ErrorCode::InvalidInput,
                         "a push terminal takes its clock from the agent's replies; it cannot be "
                         "set to another time",
                         "send set_time without params.time, or correct the agent's clock");
      }
      // CHECK makes the terminal fetch its options again, and with them the Date and TimeZone.
      plan.phases.push_back({adms::CheckData{}});
      break;
    case CommandType::Unlock:
      if (device_type == "acc") {
        plan.phases.push_back({adms::UnlockDoor{1, static_cast<int>(command.unlock_for.count())}});
      } else {
        plan.phases.push_back({adms::AcUnlock{}});
      }
      break;
    case CommandType::Restart:
      plan.phases.push_back({adms::Reboot{}});
      break;
    case CommandType::ReadUsers:
      plan.phases.push_back({adms::QueryUsers{}});
      break;
    case CommandType::ClearAttendance:
      // The whole log comes up first, whatever the terminal's clock said when it stamped its
      // records (its calendar runs from 2000 to 2099); the agent keeps what it lacked.
      plan.phases.push_back({adms::QueryAttlog{kTerminalCalendar.first, kTerminalCalendar.second}});
      plan.phases.push_back({adms::ClearLog{}});
      plan.relay_complete_before = 1;
      break;
    case CommandType::ReadLog:
      plan.phases.push_back({adms::QueryAttlog{zone.toLocal(command.from.value_or(now)),
                                               zone.toLocal(command.to.value_or(now))}});
      break;
    case CommandType::SyncTime:
      // The command router keeps clock policies; nothing goes to the terminal.
      return makeError(ErrorCode::InvalidInput,
                       "sync_time is kept by the agent, not sent to the terminal");
    case CommandType::SetOptions: {
      std::vector<adms::Command> phase;
      for (const auto& [key, value] : command.options) {
        phase.emplace_back(adms::SetOption{key, value});
      }
      plan.phases.push_back(std::move(phase));
      break;
    }
  }
  // Refuse what the terminal would refuse, before it is queued: bad PINs, names with TABs… and
  // phases that do not fit one getrequest reply, which would wait for ever.
  for (const auto& phase : plan.phases) {
    if (phase.size() > adms::kMaxCommandsPerReply) {
      return makeError(ErrorCode::InvalidInput,
                       "a push terminal takes at most " +
                           std::to_string(adms::kMaxCommandsPerReply) +
                           " commands at once; this needs " + std::to_string(phase.size()),
                       "split it into several commands");
    }
    for (const auto& step : phase) {
      if (auto line = adms::encodeCommand("0", step); !line) {
        return makeError(ErrorCode::InvalidInput,
                         "cannot send this to a push terminal: " + line.error().message);
      }
    }
  }
  return plan;
}

std::optional<std::string> checkPhase(const Command& command,
                                      std::size_t phase,
                                      const PushProgress& progress) {
  if (command.type != CommandType::UpdateUser || phase != 0) {
    return std::nullopt;
  }
  for (const auto& user : progress.users) {
    if (user.pin == command.user.user_id) {
      return std::nullopt;
    }
  }
  return "user \"" + command.user.user_id +
         "\" is not on the terminal; use enroll_user to create it";
}

std::optional<std::string> refusal(const adms::Command& sent, const adms::CommandResult& result) {
  if (adms::commandSucceeded(result)) {
    return std::nullopt;
  }
  // Deleting is idempotent (docs/mqtt-contract.md), and an empty range is an empty answer.
  if ((std::holds_alternative<adms::DeleteUser>(sent) ||
       std::holds_alternative<adms::DeleteFingerprint>(sent)) &&
      result.return_code == -10) {
    return std::nullopt;
  }
  if ((std::holds_alternative<adms::QueryAttlog>(sent) ||
       std::holds_alternative<adms::QueryUsers>(sent)) &&
      (result.return_code == -1 || result.return_code == -4)) {
    return std::nullopt;
  }
  return "the terminal refused " + familyOf(sent) +
         ": Return=" + std::to_string(result.return_code) + " (" +
         std::string(adms::describeReturnCode(result.return_code, result.cmd)) + ")";
}

CommandOutcome pushOutcome(const Command& command, const PushProgress& progress) {
  switch (command.type) {
    case CommandType::EnrollUser:
    case CommandType::UpdateUser:
      return {true, "", nlohmann::json{{"templates", command.user.templates.size()}}.dump()};
    case CommandType::DeleteUser: {
      const bool deleted = !progress.results.empty() && progress.results.front().return_code != -10;
      return {true, "", nlohmann::json{{"deleted", deleted}}.dump()};
    }
    case CommandType::ReadUsers: {
      nlohmann::json users = nlohmann::json::array();
      for (const auto& user : progress.users) {
        users.push_back({{"user_id", user.pin},
                         {"name", user.name},
                         {"privilege", user.privilege.value_or(0)},
                         {"card", user.card}});
      }
      return {true, "", nlohmann::json{{"users", users}}.dump()};
    }
    case CommandType::ReadLog:
      return {true, "",
              nlohmann::json{{"records", progress.records}, {"new", progress.new_records}}.dump()};
    case CommandType::SetTime:
      return {true, "", R"({"clock_source":"agent"})"};
    case CommandType::Unlock:
    case CommandType::Restart:
    case CommandType::ClearAttendance:
    case CommandType::SetOptions:
    case CommandType::SyncTime:
      break;
  }
  return {true, "", ""};
}

}  // namespace punchlink::agent
