#include "sim_device.hpp"

#include <stdexcept>

namespace punchlink::zksim {

namespace {

TimeZone zoneOrThrow(const std::string& name) {
  auto zone = TimeZone::find(name);
  if (!zone) {
    throw std::invalid_argument(zone.error().toString());
  }
  return zone.value();
}

zk::Bytes withTotal(zk::Bytes records) {
  zk::Bytes out;
  out.reserve(records.size() + 4);
  zk::appendU32(out, static_cast<std::uint32_t>(records.size()));
  out.insert(out.end(), records.begin(), records.end());
  return out;
}

}  // namespace

SimDevice::SimDevice(SimIdentity identity)
    : identity_(std::move(identity)), zone_(zoneOrThrow(identity_.time_zone)) {
  // Options real clients read (§5.6), with values modelled on an F18.
  options_ = {
      {"~SerialNumber", identity_.serial},
      {"~DeviceName", identity_.name},
      {"~Platform", identity_.platform},
      {"~ZKFPVersion", "10"},
      {"ZKFaceVersion", identity_.face ? "7" : "0"},
      {"MAC", identity_.mac},
      {"~OS", "1"},
      {"~ExtendFmt", identity_.attendance_format == zk::AttendanceFormat::Record16 ? "1" : "0"},
      {"~UserExtFmt", "1"},
      {"FaceFunOn", identity_.face ? "1" : "0"},
      {"CompatOldFirmware", "0"},
      {"IPAddress", "127.0.0.1"},
      {"NetMask", "255.0.0.0"},
      {"GATEIPAddress", "0.0.0.0"},
      {"WorkCode", "0"},
      {"~SSR", "1"},
      {"~PIN2Width", "9"},
      {"~OEMVendor", "punchlink zk-sim"},
      {"~ProductTime", "2024-01-01 00:00:00"},
      {"BuildVersion", "zk-sim"}};
}

LocalSeconds SimDevice::localNow() const {
  const auto utc = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::lock_guard lock(mutex_);
  return zone_.toLocal(utc + clock_offset_);
}

void SimDevice::setLocalTime(LocalSeconds time) {
  const auto utc_now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::lock_guard lock(mutex_);
  clock_offset_ = zone_.toUtc(time) - utc_now;
}

std::chrono::seconds SimDevice::clockOffset() const {
  const std::lock_guard lock(mutex_);
  return clock_offset_;
}

void SimDevice::setClockOffset(std::chrono::seconds offset) {
  const std::lock_guard lock(mutex_);
  clock_offset_ = offset;
}

std::vector<SimUser> SimDevice::users() const {
  const std::lock_guard lock(mutex_);
  std::vector<SimUser> out;
  out.reserve(users_.size());
  for (const auto& [uid, user] : users_) {
    out.push_back(user);
  }
  return out;
}

std::vector<std::string> SimDevice::userIds() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  out.reserve(users_.size());
  for (const auto& [uid, user] : users_) {
    out.push_back(user.record.user_id);
  }
  return out;
}

std::optional<SimUser> SimDevice::userByUid(std::uint16_t uid) const {
  const std::lock_guard lock(mutex_);
  const auto it = users_.find(uid);
  return it == users_.end() ? std::nullopt : std::optional<SimUser>(it->second);
}

std::optional<SimUser> SimDevice::userByUserId(const std::string& user_id) const {
  const std::lock_guard lock(mutex_);
  for (const auto& [uid, user] : users_) {
    if (user.record.user_id == user_id) {
      return user;
    }
  }
  return std::nullopt;
}

Status SimDevice::putUser(const zk::UserRecord& user) {
  if (user.user_id.empty() || user.user_id == "0") {
    return makeError(ErrorCode::InvalidInput, "user_id must not be empty or 0");
  }
  if (user.uid == 0) {
    return makeError(ErrorCode::InvalidInput, "uid 0 is not a valid user index");
  }
  const std::lock_guard lock(mutex_);
  for (const auto& [uid, existing] : users_) {
    if (uid != user.uid && existing.record.user_id == user.user_id) {
      return makeError(ErrorCode::Conflict,
                       "user_id " + user.user_id + " belongs to uid " + std::to_string(uid));
    }
  }
  if (users_.find(user.uid) == users_.end() && users_.size() >= identity_.users_capacity) {
    return makeError(ErrorCode::Unavailable, "user capacity reached");
  }
  users_[user.uid].record = user;
  return {};
}

bool SimDevice::deleteUser(std::uint16_t uid) {
  const std::lock_guard lock(mutex_);
  return users_.erase(uid) > 0;
}

Status SimDevice::putTemplate(const zk::TemplateRecord& record) {
  if (record.finger > 9) {
    return makeError(ErrorCode::InvalidInput, "finger index must be 0..9");
  }
  const std::lock_guard lock(mutex_);
  const auto it = users_.find(record.uid);
  if (it == users_.end()) {
    return makeError(ErrorCode::NotFound, "no user with uid " + std::to_string(record.uid));
  }
  it->second.templates[record.finger] = record;
  return {};
}

bool SimDevice::deleteTemplate(std::uint16_t uid, std::uint8_t finger) {
  const std::lock_guard lock(mutex_);
  const auto it = users_.find(uid);
  return it != users_.end() && it->second.templates.erase(finger) > 0;
}

std::uint16_t SimDevice::nextFreeUid() const {
  const std::lock_guard lock(mutex_);
  std::uint16_t uid = 1;
  for (const auto& [used, user] : users_) {
    if (used != uid) {
      break;
    }
    ++uid;
  }
  return uid;
}

std::size_t SimDevice::templateCount() const {
  const std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [uid, user] : users_) {
    count += user.templates.size();
  }
  return count;
}

zk::AttendanceRecord SimDevice::addPunch(zk::AttendanceRecord record, SimBiometrics biometrics) {
  std::function<void(const zk::AttendanceRecord&)> listener;
  {
    const std::lock_guard lock(mutex_);
    if (record.uid == 0) {
      for (const auto& [uid, user] : users_) {
        if (user.record.user_id == record.user_id) {
          record.uid = uid;
          break;
        }
      }
    }
    log_.push_back(record);
    log_biometrics_.push_back(biometrics);
    listener = punch_listener_;
  }
  if (listener) {
    listener(record);
  }
  return record;
}

std::vector<zk::AttendanceRecord> SimDevice::attendance() const {
  const std::lock_guard lock(mutex_);
  return log_;
}

std::vector<SimPunch> SimDevice::punches() const {
  const std::lock_guard lock(mutex_);
  std::vector<SimPunch> out;
  out.reserve(log_.size());
  for (std::size_t i = 0; i < log_.size(); ++i) {
    out.push_back({log_[i], log_biometrics_[i]});
  }
  return out;
}

std::size_t SimDevice::attendanceCount() const {
  const std::lock_guard lock(mutex_);
  return log_.size();
}

void SimDevice::clearAttendance() {
  const std::lock_guard lock(mutex_);
  log_.clear();
  log_biometrics_.clear();
  ++counters_.log_clears;
}

void SimDevice::clearAll() {
  const std::lock_guard lock(mutex_);
  log_.clear();
  log_biometrics_.clear();
  users_.clear();
}

zk::Bytes SimDevice::snapshotAttendance() const {
  const std::lock_guard lock(mutex_);
  zk::Bytes records;
  records.reserve(log_.size() * static_cast<std::size_t>(identity_.attendance_format));
  for (const auto& record : log_) {
    zk::encodeAttendance(record, identity_.attendance_format, records);
  }
  return withTotal(std::move(records));
}

zk::Bytes SimDevice::snapshotUsers() const {
  const std::lock_guard lock(mutex_);
  zk::Bytes records;
  records.reserve(users_.size() * static_cast<std::size_t>(identity_.user_format));
  for (const auto& [uid, user] : users_) {
    zk::encodeUser(user.record, identity_.user_format, records);
  }
  return withTotal(std::move(records));
}

zk::Bytes SimDevice::snapshotTemplates() const {
  const std::lock_guard lock(mutex_);
  zk::Bytes records;
  for (const auto& [uid, user] : users_) {
    for (const auto& [finger, record] : user.templates) {
      zk::encodeTemplate(record, records);
    }
  }
  return withTotal(std::move(records));
}

zk::FreeSizes SimDevice::freeSizes() const {
  const std::lock_guard lock(mutex_);
  zk::FreeSizes sizes;
  sizes.users = static_cast<std::uint32_t>(users_.size());
  for (const auto& [uid, user] : users_) {
    sizes.fingers += static_cast<std::uint32_t>(user.templates.size());
    if ((user.record.privilege & 0x0EU) == 14) {
      ++sizes.admins;
    }
    if (!user.record.password.empty()) {
      ++sizes.passwords;
    }
  }
  sizes.records = static_cast<std::uint32_t>(log_.size());
  sizes.fingers_capacity = identity_.fingers_capacity;
  sizes.users_capacity = identity_.users_capacity;
  sizes.records_capacity = identity_.records_capacity;
  if (identity_.face) {
    sizes.faces = 0;
    sizes.faces_capacity = 1000;
  }
  return sizes;
}

std::optional<std::string> SimDevice::option(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  const auto it = options_.find(name);
  return it == options_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

void SimDevice::setOption(const std::string& name, const std::string& value) {
  const std::lock_guard lock(mutex_);
  options_[name] = value;
}

SimFaults SimDevice::faults() const {
  const std::lock_guard lock(mutex_);
  return faults_;
}

void SimDevice::setFaults(const SimFaults& faults) {
  const std::lock_guard lock(mutex_);
  faults_ = faults;
}

bool SimDevice::takeChecksumFault() {
  const std::lock_guard lock(mutex_);
  if (faults_.corrupt_checksums < 0) {
    return true;
  }
  if (faults_.corrupt_checksums > 0) {
    --faults_.corrupt_checksums;
    return true;
  }
  return false;
}

SimCounters SimDevice::counters() const {
  const std::lock_guard lock(mutex_);
  return counters_;
}

void SimDevice::countRestart() {
  const std::lock_guard lock(mutex_);
  ++counters_.restarts;
}

void SimDevice::countUnlock() {
  const std::lock_guard lock(mutex_);
  ++counters_.unlocks;
}

bool SimDevice::enabled() const {
  const std::lock_guard lock(mutex_);
  return enabled_;
}

void SimDevice::setEnabled(bool enabled) {
  const std::lock_guard lock(mutex_);
  enabled_ = enabled;
}

void SimDevice::setPunchListener(std::function<void(const zk::AttendanceRecord&)> listener) {
  const std::lock_guard lock(mutex_);
  punch_listener_ = std::move(listener);
}

RaisedEvent SimDevice::addEvent(SimEvent event) {
  if (event.time == LocalSeconds{}) {
    event.time = localNow();
  }
  std::function<std::size_t(const SimEvent&)> listener;
  {
    const std::lock_guard lock(mutex_);
    event.uid = 0;
    for (const auto& [uid, user] : users_) {
      if (!event.user_id.empty() && user.record.user_id == event.user_id) {
        event.uid = uid;
        break;
      }
    }
    event.seq = next_event_seq_++;
    events_.push_back(event);
    if (events_.size() > kMaxStoredEvents) {
      events_.pop_front();
    }
    ++counters_.events.at(static_cast<std::size_t>(event.type));
    listener = event_listener_;
  }
  RaisedEvent raised{event, 0};
  if (listener) {
    raised.zk_sessions = listener(event);
  }
  return raised;
}

std::vector<SimEvent> SimDevice::eventsFrom(std::uint64_t seq) const {
  const std::lock_guard lock(mutex_);
  std::vector<SimEvent> out;
  for (const auto& event : events_) {
    if (event.seq >= seq) {
      out.push_back(event);
    }
  }
  return out;
}

void SimDevice::setEventListener(std::function<std::size_t(const SimEvent&)> listener) {
  const std::lock_guard lock(mutex_);
  event_listener_ = std::move(listener);
}

}  // namespace punchlink::zksim
