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
  status.clock_drift_s = drift_seconds_;
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
