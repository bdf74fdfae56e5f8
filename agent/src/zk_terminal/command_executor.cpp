#include "command_executor.hpp"

#include <punchlink/common/utc_time.hpp>

#include <nlohmann/json.hpp>

#include <thread>

namespace punchlink::agent::zk_terminal {

namespace {

CommandOutcome failed(const Error& error) { return {false, error.toString(), ""}; }

CommandOutcome done(const Status& status) {
  return status ? CommandOutcome{true, "", ""} : failed(status.error());
}

}  // namespace

CommandExecutor::CommandExecutor(TimeZone zone,
                                 UserDirectory& users,
                                 DeviceStatus& status,
                                 LogSync& log,
                                 const Clock& clock,
                                 std::chrono::milliseconds ack_wait)
    : zone_(std::move(zone)),
      users_(users),
      status_(status),
      log_(log),
      clock_(clock),
      ack_wait_(ack_wait) {}

CommandOutcome CommandExecutor::execute(zk_net::ZkClient& client, const Command& command) {
  switch (command.type) {
    case CommandType::EnrollUser:
    case CommandType::UpdateUser:
      return writeUser(client, command);
    case CommandType::DeleteUser:
      return deleteUser(client, command);
    case CommandType::SetTime:
      return setTime(client, command);
    case CommandType::Unlock:
      return done(client.unlock(command.unlock_for));
    case CommandType::Restart:
      return done(client.restart());
    case CommandType::ReadUsers:
      return readUsers(client);
    case CommandType::ClearAttendance:
      return clearAttendance(client);
    case CommandType::ReadLog:
      return readLog(client, command);
    case CommandType::SetOptions:
      return {false,
              "set_options is for push terminals; a ZK binary terminal's options are not changed "
              "remotely",
              ""};
    case CommandType::SyncTime:
      return {false, "sync_time is kept by the agent, not sent to the terminal", ""};
  }
  return {false, "unsupported command", ""};
}

CommandOutcome CommandExecutor::writeUser(zk_net::ZkClient& client, const Command& command) {
  auto uid = users_.uidOf(client, command.user.user_id, command.type == CommandType::EnrollUser);
  if (!uid) {
    return failed(uid.error());
  }
  const zk::UserRecord user{
      *uid, command.user.privilege, command.user.password, command.user.name, command.user.card,
      1,    command.user.user_id};
  // The terminal files templates under the uid it was given, not the message's user id.
  std::vector<zk::TemplateRecord> templates;
  for (const auto& tmpl : command.user.templates) {
    templates.push_back({*uid, tmpl.finger, tmpl.valid, tmpl.data});
  }
  const Status written =
      templates.empty() ? client.writeUser(user) : client.writeUserWithTemplates(user, templates);
  if (!written) {
    return failed(written.error());
  }
  users_.set(*uid, command.user.user_id);
  return {true, "",
          nlohmann::json{{"uid", *uid}, {"templates", command.user.templates.size()}}.dump()};
}

CommandOutcome CommandExecutor::deleteUser(zk_net::ZkClient& client, const Command& command) {
  auto uid = users_.uidOf(client, command.user.user_id, false);
  if (!uid) {
    // Already absent: deleting is idempotent.
    const bool absent = uid.error().code == ErrorCode::NotFound;
    return {absent, absent ? "" : uid.error().toString(), R"({"deleted":false})"};
  }
  if (auto deleted = client.deleteUser(*uid); !deleted) {
    return failed(deleted.error());
  }
  users_.erase(*uid);
  return {true, "", R"({"deleted":true})"};
}

CommandOutcome CommandExecutor::setTime(zk_net::ZkClient& client, const Command& command) {
  const UtcSeconds utc =
      command.time.value_or(std::chrono::floor<std::chrono::seconds>(clock_.now()));
  if (auto set = client.setTime(zone_.toLocal(utc)); !set) {
    return failed(set.error());
  }
  // The drift in the status is what the command was for: show it corrected at once.
  (void)status_.refresh(client);
  status_.publish();
  return {true, "", nlohmann::json{{"device_time", formatLocalTime(zone_.toLocal(utc))}}.dump()};
}

CommandOutcome CommandExecutor::readUsers(zk_net::ZkClient& client) {
  nlohmann::json users = nlohmann::json::array();
  auto read = client.readUsers([&](const zk::UserRecord& user) {
    users.push_back({{"uid", user.uid},
                     {"user_id", user.user_id},
                     {"name", user.name},
                     {"privilege", user.privilege},
                     {"card", user.card}});
  });
  if (!read) {
    return failed(read.error());
  }
  return {true, "", nlohmann::json{{"users", users}}.dump()};
}

CommandOutcome CommandExecutor::clearAttendance(zk_net::ZkClient& client) {
  // The relay checked it holds what the terminal held at its last status; records since then
  // are collected now, and the terminal's copy goes only once the relay has them all. The
  // terminal stays disabled from that last read to the clear, so no punch falls between them.
  const std::string serial = status_.serial();
  if (auto held = client.holdDisabled(); !held) {
    return failed(held.error());
  }

  struct Release {
    zk_net::ZkClient& client;

    ~Release() { (void)client.releaseDisabled(); }
  } release{client};

  if (auto synced = log_.sync(client, serial, users_, "clear_attendance"); !synced) {
    return failed(synced.error());
  }
  auto pending = log_.pendingAtRelay(serial);
  // The last read's records are on their way: their acknowledgements take a moment. Real time
  // (not the clock) on purpose: the relay answers in it.
  constexpr std::chrono::milliseconds kRecheck{200};
  for (auto waited = std::chrono::milliseconds{0}; pending && *pending > 0 && waited < ack_wait_;
       waited += kRecheck) {
    std::this_thread::sleep_for(kRecheck);
    pending = log_.pendingAtRelay(serial);
  }
  if (!pending) {
    return failed(pending.error());
  }
  if (*pending > 0) {
    return {false,
            std::to_string(*pending) +
                " records of this terminal are not at the relay yet; nothing was cleared. Send "
                "clear_attendance again once they are delivered",
            ""};
  }
  if (auto cleared = client.clearAttendance(); !cleared) {
    return failed(cleared.error());
  }
  (void)log_.forget(status_.serial());  // the log starts again from nothing
  return {true, "", ""};
}

CommandOutcome CommandExecutor::readLog(zk_net::ZkClient& client, const Command& command) {
  const UtcSeconds now = std::chrono::floor<std::chrono::seconds>(clock_.now());
  auto reread = log_.reread(client, status_.serial(), users_, command.from.value_or(now),
                            command.to.value_or(now));
  if (!reread) {
    return failed(reread.error());
  }
  return {true, "", nlohmann::json{{"records", reread->records}, {"new", reread->added}}.dump()};
}

}  // namespace punchlink::agent::zk_terminal
