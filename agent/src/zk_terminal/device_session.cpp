#include "device_session.hpp"

namespace punchlink::agent::zk_terminal {

namespace {

// The longest a pass waits for a real-time punch, so queued commands run soon after they come.
constexpr std::chrono::milliseconds kMaxWait{500};

zk_net::ZkClientOptions clientOptions(const ZkDeviceConfig& config) {
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

DeviceSession::DeviceSession(std::string name,
                             ZkDeviceConfig config,
                             Outbox& outbox,
                             std::chrono::milliseconds status_interval,
                             TerminalSinks sinks,
                             Logger logger,
                             const Clock& clock,
                             zk_net::ZkLinkFactory connect)
    : name_(std::move(name)),
      config_(std::move(config)),
      zone_(configuredZone(config_.time_zone)),
      status_interval_(status_interval),
      sinks_(std::move(sinks)),
      logger_(std::move(logger)),
      clock_(clock),
      client_(clientOptions(config_), clock_, std::move(connect)),
      backoff_({std::chrono::milliseconds{500}, std::chrono::milliseconds{60'000}, 2.0, 0.5}),
      status_(name_, config_, zone_, sinks_.status, logger_, clock_),
      log_(name_, zone_, outbox, sinks_.punches, logger_, clock_),
      executor_(zone_, users_, status_, log_, clock_) {}

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

std::string DeviceSession::serial() const { return status_.serial(); }

bool DeviceSession::online() const { return status_.online(); }

std::string DeviceSession::statusJson() const { return status_.json(); }

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

std::chrono::milliseconds DeviceSession::syncInterval() const {
  return config_.mode == DeviceMode::Poll ? config_.poll_interval : config_.resync_interval;
}

void DeviceSession::setOffline(const std::string& reason) {
  const bool changed = status_.setOffline(reason);
  client_.disconnect();
  if (changed) {
    logger_.warn("terminal offline", {{"device", name_}, {"reason", reason}});
    status_.publish();
  }
}

Status DeviceSession::connectAndSync() {
  if (auto connected = client_.connect(); !connected) {
    return connected;
  }
  auto info = client_.deviceInfo();
  if (!info) {
    return info.error();
  }
  status_.setIdentity(*info);
  if (auto refreshed = users_.refresh(client_); !refreshed) {
    return refreshed;
  }
  if (auto refreshed = status_.refresh(client_); !refreshed) {
    return refreshed;
  }
  if (auto synced = log_.sync(client_, info->serial, users_, "connect"); !synced) {
    return synced.error();
  }
  if (config_.mode == DeviceMode::Realtime) {
    if (auto registered = client_.registerPunchEvents(); !registered) {
      return registered;
    }
  }
  status_.setOnline();
  logger_.info("terminal online",
               {{"device", name_}, {"serial", info->serial}, {"firmware", info->firmware}});
  status_.publish();
  return {};
}

void DeviceSession::run(const std::stop_token& stop) {
  status_.publish();
  while (!stop.stop_requested()) {
    const auto wait = step();
    if (wait.count() > 0 && !sleepFor(stop, wait)) {
      break;
    }
  }
  client_.disconnect();
}

std::chrono::milliseconds DeviceSession::step() {
  if (!session_up_) {
    expireCommands();
    if (auto connected = connectAndSync(); !connected) {
      setOffline(connected.error().toString());
      logger_.limited(LogLevel::Warning, "connect/" + name_, "cannot reach terminal",
                      {{"device", name_}, {"error", connected.error().toString()}});
      return backoff_.next();
    }
    backoff_.reset();
    session_up_ = true;
    const auto now = clock_.steadyNow();
    next_status_ = now + status_interval_;
    next_sync_ = now + syncInterval();
  }
  auto served = serve();
  if (!served) {
    session_up_ = false;
    setOffline(served.error().toString());
    return backoff_.next();
  }
  return *served;
}

Result<std::chrono::milliseconds> DeviceSession::serve() {
  runCommands();
  if (!client_.connected()) {
    return makeError(ErrorCode::Unavailable, "connection closed");
  }
  const auto now = clock_.steadyNow();
  if (now >= next_sync_) {
    auto synced = log_.sync(client_, status_.serial(), users_,
                            config_.mode == DeviceMode::Poll ? "poll" : "resync");
    next_sync_ = now + syncInterval();
    if (!synced) {
      return synced.error();
    }
    return std::chrono::milliseconds{0};
  }
  if (now >= next_status_) {
    auto refreshed = status_.refresh(client_);
    next_status_ = now + status_interval_;
    if (!refreshed) {
      return refreshed.error();
    }
    status_.publish();
    return std::chrono::milliseconds{0};
  }
  const auto deadline = std::min({next_sync_, next_status_, now + kMaxWait});
  if (config_.mode == DeviceMode::Poll) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
  }
  auto punch = client_.nextPunch(deadline);
  if (!punch) {
    return punch.error();
  }
  if (punch->has_value()) {
    if (auto inserted = log_.insertRealtime(status_.serial(), **punch, users_); !inserted) {
      return inserted.error();
    }
  }
  return std::chrono::milliseconds{0};
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
    if (!sinks_.results) {
      continue;
    }
    sinks_.results(
        queued.command,
        {false, "expired while the terminal was offline (" + status_.offlineReason() + ")", ""});
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
    const CommandOutcome outcome = executor_.execute(client_, queued.command);
    logger_.info("command done", {{"device", name_},
                                  {"command_id", queued.command.command_id},
                                  {"type", std::string(commandTypeName(queued.command.type))},
                                  {"status", outcome.succeeded ? "succeeded" : "failed"},
                                  {"error", outcome.error}});
    if (sinks_.results) {
      sinks_.results(queued.command, outcome);
    }
    if (!client_.connected()) {
      return;  // e.g. after a restart command; remaining commands wait for the reconnect
    }
  }
}

}  // namespace punchlink::agent::zk_terminal
