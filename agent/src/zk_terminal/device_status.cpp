#include "device_status.hpp"

#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/device_status.hpp>

#include <cstdlib>

namespace punchlink::agent::zk_terminal {

namespace {

// Beyond this a terminal's clock is worth a warning: punches carry its local time.
constexpr std::int64_t kDriftWarningSeconds = 120;

}  // namespace

DeviceStatus::DeviceStatus(std::string name,
                           ZkDeviceConfig config,
                           TimeZone zone,
                           Terminal::StatusSink sink,
                           Logger logger,
                           const Clock& clock)
    : name_(std::move(name)),
      config_(std::move(config)),
      zone_(std::move(zone)),
      sink_(std::move(sink)),
      logger_(std::move(logger)),
      clock_(clock) {}

Status DeviceStatus::refresh(zk_net::ZkClient& client) {
  auto sizes = client.freeSizes();
  if (!sizes) {
    return sizes.error();
  }
  auto device_time = client.time();
  if (!device_time) {
    return device_time.error();
  }
  const auto now = clock_.now();
  const auto drift = zone_.toUtc(*device_time) - std::chrono::floor<std::chrono::seconds>(now);
  {
    const std::lock_guard lock(mutex_);
    sizes_ = *sizes;
    drift_seconds_ = drift.count();
    device_time_ = formatLocalTime(*device_time);
    clock_checked_at_ = now;
    last_seen_ = now;
  }
  if (std::abs(drift.count()) > kDriftWarningSeconds) {
    logger_.limited(LogLevel::Warning, "drift/" + name_, "terminal clock is off",
                    {{"device", name_},
                     {"drift_s", std::to_string(drift.count())},
                     {"hint", "check the device's time_zone; a set_time command corrects it"}});
  }
  return {};
}

void DeviceStatus::setLogSpan(std::int64_t records,
                              const std::string& oldest,
                              const std::string& newest,
                              std::chrono::system_clock::time_point read_at) {
  const std::lock_guard lock(mutex_);
  log_records_ = records;
  log_oldest_ = oldest;
  log_newest_ = newest;
  log_read_at_ = read_at;
}

void DeviceStatus::setClockSettings(const ClockSettings& settings) {
  const std::lock_guard lock(mutex_);
  clock_settings_ = settings;
}

std::optional<std::int64_t> DeviceStatus::drift() const {
  const std::lock_guard lock(mutex_);
  return drift_seconds_;
}

std::optional<std::int64_t> DeviceStatus::terminalRecords() const {
  const std::lock_guard lock(mutex_);
  if (!clock_checked_at_) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(sizes_.records);
}

std::string DeviceStatus::deviceTime() const {
  const std::lock_guard lock(mutex_);
  return device_time_;
}

void DeviceStatus::setIdentity(const zk_net::DeviceInfo& info) {
  const std::lock_guard lock(mutex_);
  info_ = info;
  serial_ = info.serial;
}

void DeviceStatus::setOnline() {
  const std::lock_guard lock(mutex_);
  online_ = true;
  offline_reason_.clear();
}

bool DeviceStatus::setOffline(const std::string& reason) {
  const std::lock_guard lock(mutex_);
  const bool changed = online_ || offline_reason_ != reason;
  online_ = false;
  offline_reason_ = reason;
  return changed;
}

std::string DeviceStatus::buildJsonLocked() const {
  contract::DeviceStatus status;
  status.name = name_;
  status.serial = serial_;
  status.online = online_;
  status.host = config_.host;
  status.port = config_.port;
  status.transport = config_.transport;
  status.time_zone = config_.time_zone;
  if (!online_) {
    status.reason = offline_reason_;
  }
  if (!info_.firmware.empty()) {
    status.firmware = info_.firmware;
    status.platform = info_.platform;
    status.device_name = info_.name;
  }
  if (sizes_.records_capacity > 0) {
    status.users = sizes_.users;
    status.fingers = sizes_.fingers;
    status.logs = sizes_.records;
    status.log_capacity = sizes_.records_capacity;
    // Some firmware reports more records than its capacity; the contract caps the share at 100.
    status.storage_percent =
        std::min<std::int64_t>(100, std::int64_t{sizes_.records} * 100 / sizes_.records_capacity);
  }
  // The count from the last full read goes with its oldest and newest record, so the relay
  // compares like with like (free sizes may already count records the read has not seen).
  if (log_records_) {
    status.logs = *log_records_;
    status.log_oldest = log_oldest_;
    status.log_newest = log_newest_;
    status.log_checked_at = formatRfc3339(std::chrono::floor<std::chrono::seconds>(*log_read_at_));
  }
  status.clock_drift_s = drift_seconds_;
  status.device_time = device_time_;
  if (clock_checked_at_) {
    status.clock_checked_at =
        formatRfc3339(std::chrono::floor<std::chrono::seconds>(*clock_checked_at_));
  }
  if (clock_settings_) {
    status.clock_policy = contract::clockPolicyName(clock_settings_->policy);
    status.clock_threshold_s = clock_settings_->threshold.count();
  }
  if (last_seen_) {
    status.last_seen = formatRfc3339(std::chrono::floor<std::chrono::seconds>(*last_seen_));
  }
  return contract::encodeDeviceStatus(status);
}

void DeviceStatus::publish() {
  std::string key;
  std::string json;
  {
    const std::lock_guard lock(mutex_);
    key = serial_.empty() ? name_ : serial_;
    json_ = buildJsonLocked();
    json = json_;
  }
  if (sink_) {
    sink_(key, json);
  }
}

std::string DeviceStatus::serial() const {
  const std::lock_guard lock(mutex_);
  return serial_;
}

bool DeviceStatus::online() const {
  const std::lock_guard lock(mutex_);
  return online_;
}

std::string DeviceStatus::offlineReason() const {
  const std::lock_guard lock(mutex_);
  return offline_reason_;
}

std::string DeviceStatus::json() const {
  const std::lock_guard lock(mutex_);
  return json_;
}

}  // namespace punchlink::agent::zk_terminal
