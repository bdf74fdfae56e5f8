#include "device_session.hpp"

#include "terminals/device_event_mapper.hpp"

namespace punchlink::agent::zk_terminal {

namespace {

// The longest a pass waits for a real-time punch, so queued commands run soon after they come.
constexpr std::chrono::milliseconds kMaxWait{500};
// A span whose count no longer adds up is settled by a full read once it is this old: long
// enough that a read is not made for every punch, short enough for clear_check_max_age (15m).
constexpr std::chrono::minutes kSpanSettleAfter{5};

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
                             const ClockPolicies& clocks,
                             Logger logger,
                             const Clock& clock,
                             zk_net::ZkLinkFactory connect)
    : name_(std::move(name)),
      config_(std::move(config)),
      zone_(configuredZone(config_.time_zone)),
      status_interval_(status_interval),
      sinks_(std::move(sinks)),
      clocks_(clocks),
      outbox_(outbox),
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
  if (auto synced = log_.sync(client_, info->serial, users_, "connect"); !synced) {
    return synced.error();
  }
  if (auto refreshed = refreshStatus(); !refreshed) {
    return refreshed;
  }
  if (config_.mode == DeviceMode::Realtime) {
    if (auto registered = client_.registerEvents(); !registered) {
      return registered;
    }
  }
  status_.setOnline();
  if (auto checked = checkClock(); !checked) {
    return checked;
  }
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
    auto refreshed = refreshStatus();
    next_status_ = now + status_interval_;
    if (!refreshed) {
      return refreshed.error();
    }
    if (auto checked = checkClock(); !checked) {
      return checked.error();
    }
    status_.publish();
    return std::chrono::milliseconds{0};
  }
  const auto deadline = std::min({next_sync_, next_status_, now + kMaxWait});
  if (config_.mode == DeviceMode::Poll) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
  }
  auto next = client_.nextEvent(deadline);
  if (!next) {
    return next.error();
  }
  if (!next->has_value()) {
    return std::chrono::milliseconds{0};
  }
  if (const auto* punch = std::get_if<zk::RealtimePunch>(&**next)) {
    if (auto inserted = log_.insertRealtime(status_.serial(), *punch, users_); !inserted) {
      return inserted.error();
    }
  } else if (auto stored = storeDeviceEvent(std::get<zk::DeviceEvent>(**next)); !stored) {
    return stored.error();
  }
  return std::chrono::milliseconds{0};
}

namespace {

// The catalogue's type of a ZK device event; nullopt for alarms it has no type for
// (misoperation, anti-passback, unknown codes), which are logged instead.
std::optional<contract::DeviceEventType> catalogueType(const zk::DeviceEvent& event) {
  using Kind = zk::DeviceEventKind;
  using Type = contract::DeviceEventType;
  switch (event.kind) {
    case Kind::Unlock:
      return Type::DoorUnlocked;
    case Kind::VerifyFailed:
      return Type::AccessDenied;
    case Kind::Tamper:
      return Type::AlarmTamper;
    case Kind::ExitButton:
      return Type::AlarmExitButton;
    case Kind::DoorOpened:
      return Type::DoorOpened;
    case Kind::DoorClosed:
      return Type::DoorClosed;
    case Kind::Duress:
      return Type::AlarmDuress;
    case Kind::Misoperation:
    case Kind::OtherAlarm:
      break;
  }
  return std::nullopt;
}

}  // namespace

Status DeviceSession::storeDeviceEvent(const zk::DeviceEvent& event) {
  const auto type = catalogueType(event);
  if (!type) {
    logger_.limited(LogLevel::Info, "alarm/" + name_, "terminal alarm with no event type",
                    {{"device", name_},
                     {"flag", std::to_string(event.flag)},
                     {"code", std::to_string(event.code)}});
    return {};
  }
  // ZK events carry no time: the agent's clock, in the terminal's zone, stands in for it.
  TerminalEvent out;
  out.type = *type;
  out.device_serial = status_.serial();
  out.device_name = name_;
  out.local_time = zone_.toLocal(std::chrono::floor<std::chrono::seconds>(clock_.now()));
  if (event.uid) {
    out.user_id = users_.resolve("", static_cast<std::uint16_t>(*event.uid));
  }
  out.code = event.code != 0 ? event.code : event.flag;
  out.source = "realtime";
  auto inserted = outbox_.insert({toOutboxEvent(out, zone_)}, epochMillis(clock_.now()));
  if (!inserted) {
    return inserted.error();
  }
  if (*inserted > 0 && sinks_.punches) {
    sinks_.punches(*inserted);
  }
  return {};
}

Status DeviceSession::refreshStatus() {
  if (auto refreshed = status_.refresh(client_); !refreshed) {
    return refreshed;
  }
  const auto terminal_records = status_.terminalRecords();
  auto span = terminal_records ? log_.spanNow(*terminal_records) : log_.lastSpan();
  // A count that does not add up (a punch the live events missed, a log changed at the
  // terminal) is settled by a full read, not left for the hourly resync: the relay compares
  // records only against a recent span.
  if (span && terminal_records && span->records != *terminal_records &&
      clock_.now() - span->read_at >= kSpanSettleAfter) {
    if (auto synced = log_.sync(client_, status_.serial(), users_, "count"); !synced) {
      return synced.error();
    }
    span = log_.lastSpan();
  }
  if (span) {
    status_.setLogSpan(span->records, span->oldest, span->newest, span->read_at);
  }
  return {};
}

Status DeviceSession::checkClock() {
  const auto drift = status_.drift();
  if (!drift) {
    return {};
  }
  const ClockSettings settings = clocks_.forDevice(name_, status_.serial());
  status_.setClockSettings(settings);
  const ClockVerdict verdict = judgeClock(settings, *drift, drift_raised_);
  if (verdict.episode_over) {
    drift_raised_ = false;
  }
  if (!verdict.raise && !verdict.correct) {
    return {};
  }
  const std::string device_time = status_.deviceTime();
  const auto now = std::chrono::floor<std::chrono::seconds>(clock_.now());
  bool corrected = false;
  if (verdict.correct) {
    if (auto set = client_.setTime(zone_.toLocal(now)); !set) {
      logger_.warn("cannot set the terminal's clock",
                   {{"device", name_}, {"error", set.error().toString()}});
    } else {
      corrected = true;
      logger_.info("set the terminal's clock (sync_time: auto)",
                   {{"device", name_}, {"drift_s", std::to_string(*drift)}});
      if (auto refreshed = refreshStatus(); !refreshed) {
        return refreshed;
      }
    }
  }
  if (!verdict.raise) {
    drift_raised_ = drift_raised_ && !corrected;  // a corrected clock ends the episode
    return {};
  }
  TerminalEvent event;
  event.type = contract::DeviceEventType::ClockDrift;
  event.device_serial = status_.serial();
  event.device_name = name_;
  event.local_time = zone_.toLocal(now);
  event.source = "clock";
  event.drift_s = *drift;
  event.device_time = device_time;
  event.corrected = corrected;
  auto inserted = outbox_.insert({toOutboxEvent(event, zone_)}, epochMillis(clock_.now()));
  if (!inserted) {
    return inserted.error();
  }
  // Set right, the clock starts afresh: its next drift is worth an event of its own.
  drift_raised_ = !corrected;
  if (*inserted > 0 && sinks_.punches) {
    sinks_.punches(*inserted);
  }
  return {};
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
