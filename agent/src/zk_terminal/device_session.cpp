#include "device_session.hpp"

#include "terminals/punch_mapper.hpp"

#include <punchlink/common/event_id.hpp>
#include <punchlink/common/utc_time.hpp>

#include <nlohmann/json.hpp>

namespace punchlink::agent::zk_terminal {

namespace {

constexpr std::size_t kInsertBatch = 2000;

zk_net::ZkClientOptions clientOptions(const DeviceConfig& config) {
  zk_net::ZkClientOptions options;
  options.host = config.host;
  options.port = config.port;
  options.transport =
      config.transport == "udp" ? zk_net::ZkTransport::Udp : zk_net::ZkTransport::Tcp;
  options.comm_key = config.comm_key;
  options.timeout = config.timeout;
  return options;
}

}  // namespace

DeviceSession::DeviceSession(DeviceConfig config,
                             Outbox& outbox,
                             std::chrono::milliseconds status_interval,
                             TerminalSinks sinks,
                             Logger logger,
                             const Clock& clock)
    : config_(std::move(config)),
      zone_(deviceZone(config_)),
      outbox_(outbox),
      status_interval_(status_interval),
      sinks_(std::move(sinks)),
      logger_(std::move(logger)),
      clock_(clock),
      client_(clientOptions(config_), clock_),
      backoff_({std::chrono::milliseconds{500}, std::chrono::milliseconds{60'000}, 2.0, 0.5}) {}

DeviceSession::~DeviceSession() { stop(); }

void DeviceSession::start() {
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

void DeviceSession::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
  client_.disconnect();
}

std::string DeviceSession::serial() const {
  const std::lock_guard lock(mutex_);
  return serial_;
}

bool DeviceSession::online() const {
  const std::lock_guard lock(mutex_);
  return online_;
}

std::string DeviceSession::statusJson() const {
  const std::lock_guard lock(mutex_);
  return status_json_;
}

void DeviceSession::enqueue(Command command, std::chrono::system_clock::time_point expires) {
  {
    const std::lock_guard lock(mutex_);
    commands_.push_back({std::move(command), expires});
  }
  wake_.notify_all();
}

bool DeviceSession::sleepFor(const std::stop_token& stop, std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

void DeviceSession::publishStatus() {
  nlohmann::ordered_json json;
  std::string key;
  {
    const std::lock_guard lock(mutex_);
    key = serial_.empty() ? config_.name : serial_;
    json = {
        {"name", config_.name},          {"serial", serial_},    {"online", online_},
        {"host", config_.host},          {"port", config_.port}, {"transport", config_.transport},
        {"time_zone", config_.time_zone}};
    if (!online_) {
      json["reason"] = offline_reason_;
    }
    if (!info_.firmware.empty()) {
      json["firmware"] = info_.firmware;
      json["platform"] = info_.platform;
      json["device_name"] = info_.name;
    }
    if (sizes_.records_capacity > 0) {
      json["users"] = sizes_.users;
      json["fingers"] = sizes_.fingers;
      json["logs"] = sizes_.records;
      json["log_capacity"] = sizes_.records_capacity;
      json["storage_percent"] = sizes_.records * 100 / sizes_.records_capacity;
    }
    if (drift_seconds_) {
      json["clock_drift_s"] = *drift_seconds_;
    }
    if (last_seen_) {
      json["last_seen"] = formatRfc3339(std::chrono::floor<std::chrono::seconds>(*last_seen_));
    }
    status_json_ = json.dump();
  }
  if (sinks_.status) {
    sinks_.status(key, json.dump());
  }
}

void DeviceSession::setOffline(const std::string& reason) {
  bool changed = false;
  {
    const std::lock_guard lock(mutex_);
    changed = online_ || offline_reason_ != reason;
    online_ = false;
    offline_reason_ = reason;
  }
  client_.disconnect();
  if (changed) {
    logger_.warn("terminal offline", {{"device", config_.name}, {"reason", reason}});
    publishStatus();
  }
}

Status DeviceSession::refreshStatus() {
  auto sizes = client_.freeSizes();
  if (!sizes) {
    return sizes.error();
  }
  auto device_time = client_.time();
  if (!device_time) {
    return device_time.error();
  }
  const auto now = clock_.now();
  const auto drift = zone_.toUtc(*device_time) - std::chrono::floor<std::chrono::seconds>(now);
  {
    const std::lock_guard lock(mutex_);
    sizes_ = *sizes;
    drift_seconds_ = drift.count();
    last_seen_ = now;
  }
  if (std::abs(drift.count()) > 120) {
    logger_.limited(LogLevel::Warning, "drift/" + config_.name, "terminal clock is off",
                    {{"device", config_.name},
                     {"drift_s", std::to_string(drift.count())},
                     {"hint", "check the device's time_zone; a set_time command corrects it"}});
  }
  return {};
}

Status DeviceSession::insertPunch(const std::string& user_id,
                                  LocalSeconds time,
                                  int state,
                                  int verify,
                                  std::uint32_t workcode,
                                  const char* source) {
  const DevicePunch punch{serial(), config_.name, user_id, time, state, verify, workcode, source};
  auto inserted = outbox_.insert({toOutboxPunch(punch, zone_)}, epochMillis(clock_.now()));
  if (!inserted) {
    return inserted.error();
  }
  if (*inserted > 0 && sinks_.punches) {
    sinks_.punches(*inserted);
  }
  return {};
}

Status DeviceSession::readLogOnce(const DeviceWatermark& watermark,
                                  bool& watermark_matched,
                                  DeviceWatermark& next) {
  const std::string device_serial = serial();
  std::vector<OutboxPunch> batch;
  std::int64_t index = 0;
  Status failure;
  std::size_t inserted_total = 0;
  watermark_matched = watermark.log_count == 0;
  const auto flush = [&]() {
    if (batch.empty() || !failure) {
      return;
    }
    auto inserted = outbox_.insert(batch, epochMillis(clock_.now()));
    if (!inserted) {
      failure = inserted.error();
    } else {
      inserted_total += *inserted;
    }
    batch.clear();
  };
  auto count = client_.readAttendance([&](const zk::AttendanceRecord& record) {
    const std::string user_id = resolveUserId(record.user_id, record.uid);
    const std::string event_id = makeEventId(device_serial, user_id, record.time);
    // Records up to the watermark were handled by an earlier read; the last of them must match,
    // else the log was cleared or rotated and everything is read again (a second pass).
    if (!watermark_matched && index < watermark.log_count) {
      if (index == watermark.log_count - 1) {
        watermark_matched = event_id == watermark.last_event_id;
      }
      ++index;
      next = {index, event_id};
      return;
    }
    const DevicePunch punch{device_serial, config_.name,  user_id,         record.time,
                            record.state,  record.verify, record.workcode, "log"};
    batch.push_back(toOutboxPunch(punch, zone_));
    if (batch.size() >= kInsertBatch) {
      flush();
    }
    ++index;
    next = {index, event_id};
  });
  flush();
  if (!count) {
    return count.error();
  }
  if (!failure) {
    return failure;
  }
  if (inserted_total > 0) {
    logger_.info("collected punches from the terminal's log",
                 {{"device", config_.name},
                  {"new", std::to_string(inserted_total)},
                  {"log_size", std::to_string(*count)}});
    if (sinks_.punches) {
      sinks_.punches(inserted_total);
    }
  }
  return {};
}

Status DeviceSession::syncLog(const char* source) {
  auto watermark = outbox_.watermark(serial());
  if (!watermark) {
    return watermark.error();
  }
  bool matched = false;
  DeviceWatermark next;
  if (auto read = readLogOnce(*watermark, matched, next); !read) {
    return read;
  }
  if (!matched) {
    logger_.info("terminal log changed since the last read (cleared or rotated); reading it all",
                 {{"device", config_.name}, {"trigger", source}});
    if (auto read = readLogOnce({}, matched, next); !read) {
      return read;
    }
  }
  return outbox_.setWatermark(serial(), next);
}

Status DeviceSession::connectAndSync() {
  if (auto connected = client_.connect(); !connected) {
    return connected;
  }
  auto info = client_.deviceInfo();
  if (!info) {
    return info.error();
  }
  {
    const std::lock_guard lock(mutex_);
    info_ = *info;
    serial_ = info->serial;
  }
  if (auto refreshed = refreshUserIds(); !refreshed) {
    return refreshed;
  }
  if (auto status = refreshStatus(); !status) {
    return status;
  }
  if (auto synced = syncLog("connect"); !synced) {
    return synced;
  }
  if (config_.mode == DeviceMode::Realtime) {
    if (auto registered = client_.registerPunchEvents(); !registered) {
      return registered;
    }
  }
  {
    const std::lock_guard lock(mutex_);
    online_ = true;
    offline_reason_.clear();
  }
  logger_.info("terminal online",
               {{"device", config_.name}, {"serial", info->serial}, {"firmware", info->firmware}});
  publishStatus();
  return {};
}

void DeviceSession::run(const std::stop_token& stop) {
  publishStatus();
  while (!stop.stop_requested()) {
    expireCommands();
    if (auto connected = connectAndSync(); !connected) {
      setOffline(connected.error().toString());
      logger_.limited(LogLevel::Warning, "connect/" + config_.name, "cannot reach terminal",
                      {{"device", config_.name}, {"error", connected.error().toString()}});
      if (!sleepFor(stop, backoff_.next())) {
        break;
      }
      continue;
    }
    backoff_.reset();
    auto next_status = clock_.steadyNow() + status_interval_;
    auto next_sync =
        clock_.steadyNow() +
        (config_.mode == DeviceMode::Poll ? config_.poll_interval : config_.resync_interval);
    Status failure;
    while (!stop.stop_requested() && failure) {
      runCommands();
      if (!client_.connected()) {
        failure = makeError(ErrorCode::Unavailable, "connection closed");
        break;
      }
      const auto now = clock_.steadyNow();
      if (now >= next_sync) {
        failure = syncLog(config_.mode == DeviceMode::Poll ? "poll" : "resync");
        next_sync = now + (config_.mode == DeviceMode::Poll ? config_.poll_interval
                                                            : config_.resync_interval);
        continue;
      }
      if (now >= next_status) {
        failure = refreshStatus();
        if (failure) {
          publishStatus();
        }
        next_status = now + status_interval_;
        continue;
      }
      const auto deadline =
          std::min({next_sync, next_status, now + std::chrono::milliseconds{500}});
      if (config_.mode == DeviceMode::Realtime) {
        auto punch = client_.nextPunch(deadline);
        if (!punch) {
          failure = punch.error();
        } else if (punch->has_value()) {
          const auto& p = **punch;
          failure = insertPunch(resolveUserId(p.user_id, p.uid.value_or(0)), p.time, p.state,
                                p.verify, p.workcode, "realtime");
        }
      } else if (!sleepFor(stop,
                           std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now))) {
        break;
      }
    }
    if (!failure) {
      setOffline(failure.error().toString());
      if (!sleepFor(stop, backoff_.next())) {
        break;
      }
    }
  }
  client_.disconnect();
}

void DeviceSession::expireCommands() {
  std::vector<Queued> expired;
  {
    const std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    for (auto it = commands_.begin(); it != commands_.end();) {
      if (it->expires <= now) {
        expired.push_back(std::move(*it));
        it = commands_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& queued : expired) {
    sinks_.results(queued.command,
                   {false, "expired while the terminal was offline (" + offline_reason_ + ")", ""});
  }
}

void DeviceSession::runCommands() {
  expireCommands();
  while (true) {
    Queued queued;
    {
      const std::lock_guard lock(mutex_);
      if (commands_.empty()) {
        return;
      }
      queued = std::move(commands_.front());
      commands_.pop_front();
    }
    const CommandOutcome outcome = execute(queued.command);
    logger_.info("command done", {{"device", config_.name},
                                  {"command_id", queued.command.command_id},
                                  {"type", commandTypeName(queued.command.type)},
                                  {"status", outcome.succeeded ? "succeeded" : "failed"},
                                  {"error", outcome.error}});
    sinks_.results(queued.command, outcome);
    if (!client_.connected()) {
      return;  // e.g. after a restart command; remaining commands wait for the reconnect
    }
  }
}

Status DeviceSession::refreshUserIds() {
  user_ids_.clear();
  auto read =
      client_.readUsers([&](const zk::UserRecord& user) { user_ids_[user.uid] = user.user_id; });
  return read ? Status{} : Status{read.error()};
}

std::string DeviceSession::resolveUserId(const std::string& reported, std::uint16_t uid) const {
  // Some record and event forms carry only the internal index (reference §5.1, §6.3). The same
  // punch must get the same user id (and so the same event id) whichever form it arrived in.
  if (!reported.empty()) {
    return reported;
  }
  const auto it = user_ids_.find(uid);
  return it != user_ids_.end() ? it->second : std::to_string(uid);
}

Result<std::uint16_t> DeviceSession::uidOf(const std::string& user_id, bool allocate) {
  if (auto refreshed = refreshUserIds(); !refreshed) {
    return refreshed.error();
  }
  std::uint16_t highest = 0;
  for (const auto& [uid, id] : user_ids_) {
    if (id == user_id) {
      return uid;
    }
    highest = std::max(highest, uid);
  }
  if (!allocate) {
    return makeError(ErrorCode::NotFound, "user " + user_id + " is not on the terminal");
  }
  if (highest == 65535) {
    return makeError(ErrorCode::Unavailable, "no free user index on the terminal");
  }
  return static_cast<std::uint16_t>(highest + 1);
}

CommandOutcome DeviceSession::execute(const Command& command) {
  const auto failed = [](const Error& error) {
    return CommandOutcome{false, error.toString(), ""};
  };
  switch (command.type) {
    case CommandType::EnrollUser:
    case CommandType::UpdateUser: {
      auto uid = uidOf(command.user.user_id, command.type == CommandType::EnrollUser);
      if (!uid) {
        return failed(uid.error());
      }
      const zk::UserRecord user{
          *uid, command.user.privilege, command.user.password, command.user.name, command.user.card,
          1,    command.user.user_id};
      const Status written = command.user.templates.empty()
                                 ? client_.writeUser(user)
                                 : client_.writeUserWithTemplates(user, command.user.templates);
      if (!written) {
        return failed(written.error());
      }
      user_ids_[*uid] = command.user.user_id;
      return {true, "",
              nlohmann::json{{"uid", *uid}, {"templates", command.user.templates.size()}}.dump()};
    }
    case CommandType::DeleteUser: {
      auto uid = uidOf(command.user.user_id, false);
      if (!uid) {
        // Already absent: deleting is idempotent.
        return {uid.error().code == ErrorCode::NotFound,
                uid.error().code == ErrorCode::NotFound ? "" : uid.error().toString(),
                R"({"deleted":false})"};
      }
      if (auto deleted = client_.deleteUser(*uid); !deleted) {
        return failed(deleted.error());
      }
      user_ids_.erase(*uid);
      return {true, "", R"({"deleted":true})"};
    }
    case CommandType::SetTime: {
      const UtcSeconds utc =
          command.time.value_or(std::chrono::floor<std::chrono::seconds>(clock_.now()));
      if (auto set = client_.setTime(zone_.toLocal(utc)); !set) {
        return failed(set.error());
      }
      (void)refreshStatus();
      publishStatus();
      return {true, "",
              nlohmann::json{{"device_time", formatLocalTime(zone_.toLocal(utc))}}.dump()};
    }
    case CommandType::Unlock:
      if (auto unlocked = client_.unlock(command.unlock_for); !unlocked) {
        return failed(unlocked.error());
      }
      return {true, "", ""};
    case CommandType::Restart:
      if (auto restarted = client_.restart(); !restarted) {
        return failed(restarted.error());
      }
      return {true, "", ""};
    case CommandType::ReadUsers: {
      nlohmann::json users = nlohmann::json::array();
      auto read = client_.readUsers([&](const zk::UserRecord& user) {
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
    case CommandType::ClearAttendance: {
      if (auto cleared = client_.clearAttendance(); !cleared) {
        return failed(cleared.error());
      }
      (void)outbox_.setWatermark(serial(), {});  // the log starts again from nothing
      return {true, "", ""};
    }
    case CommandType::QueryLogs:
    case CommandType::SetOptions:
      return {false,
              commandTypeName(command.type) +
                  " is for push terminals; a ZK binary terminal's whole log is read at connect "
                  "and every resync_interval, and its options are not changed remotely",
              ""};
  }
  return {false, "unsupported command", ""};
}

}  // namespace punchlink::agent::zk_terminal
