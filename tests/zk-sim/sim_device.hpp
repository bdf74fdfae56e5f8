// The emulated terminal's state: identity, users, templates, attendance log, options, clock and
// armed faults. Shared by every session, the servers and the control API, so it is guarded by
// one mutex; all access goes through methods that lock it.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::zksim {

struct SimIdentity {
  std::string serial = "ZKSIM0000001";
  std::string name = "zk-sim";
  std::string platform = "ZMM210_TFT";
  std::string firmware = "Ver 6.60 Apr 26 2016";
  std::string mac = "00:17:61:00:00:01";
  std::uint32_t comm_key = 0;
  std::string time_zone = "UTC";
  zk::AttendanceFormat attendance_format = zk::AttendanceFormat::Record40;
  zk::UserFormat user_format = zk::UserFormat::Record72;
  std::uint32_t users_capacity = 10'000;
  std::uint32_t fingers_capacity = 10'000;
  std::uint32_t records_capacity = 500'000;
  bool face = false;  // answer 92-byte free sizes with a face block
};

struct SimFaults {
  int drop_after_packets = 0;  // close a connection after this many replies (0 = never)
  int delay_ms = 0;            // wait before every reply
  int corrupt_checksums = 0;   // corrupt the checksum of this many next replies (-1 = all)
  bool refuse_auth = false;    // every CONNECT/AUTH is answered ACK_UNAUTH
};

struct SimUser {
  zk::UserRecord record;
  std::map<std::uint8_t, zk::TemplateRecord> templates;  // by finger
};

struct SimCounters {
  std::uint64_t restarts = 0;
  std::uint64_t unlocks = 0;
  std::uint64_t log_clears = 0;
};

class SimDevice {
 public:
  explicit SimDevice(SimIdentity identity);

  const SimIdentity& identity() const { return identity_; }

  // --- clock: device-local wall time = UTC now + offset, in the device's zone
  LocalSeconds localNow() const;
  void setLocalTime(LocalSeconds time);

  // --- users and templates
  std::vector<SimUser> users() const;
  std::vector<std::string> userIds() const;  // in uid order, without copying templates
  std::optional<SimUser> userByUid(std::uint16_t uid) const;
  std::optional<SimUser> userByUserId(const std::string& user_id) const;
  // FW rules (§2.2 CMD_USER_WRQ): empty or "0" user_id refused; a user_id owned by another uid
  // refused. Creates or replaces by uid.
  Status putUser(const zk::UserRecord& user);
  bool deleteUser(std::uint16_t uid);
  Status putTemplate(const zk::TemplateRecord& record);
  bool deleteTemplate(std::uint16_t uid, std::uint8_t finger);
  std::uint16_t nextFreeUid() const;
  std::size_t templateCount() const;

  // --- attendance log
  zk::AttendanceRecord addPunch(zk::AttendanceRecord record);
  std::vector<zk::AttendanceRecord> attendance() const;
  std::size_t attendanceCount() const;
  void clearAttendance();
  void clearAll();

  // --- bulk snapshots ([u32 total][records], §4.2)
  zk::Bytes snapshotAttendance() const;
  zk::Bytes snapshotUsers() const;
  zk::Bytes snapshotTemplates() const;
  zk::FreeSizes freeSizes() const;

  // --- options
  std::optional<std::string> option(const std::string& name) const;
  void setOption(const std::string& name, const std::string& value);

  // --- faults, counters, enable state
  SimFaults faults() const;
  void setFaults(const SimFaults& faults);
  // True if this reply's checksum should be corrupted (consumes one from the budget).
  bool takeChecksumFault();
  SimCounters counters() const;
  void countRestart();
  void countUnlock();
  bool enabled() const;
  void setEnabled(bool enabled);

  // Called (outside the lock) for every new punch, so servers can send real-time events.
  void setPunchListener(std::function<void(const zk::AttendanceRecord&)> listener);

 private:
  SimIdentity identity_;
  TimeZone zone_;
  mutable std::mutex mutex_;
  std::map<std::uint16_t, SimUser> users_;
  std::vector<zk::AttendanceRecord> log_;
  std::map<std::string, std::string> options_;
  std::chrono::seconds clock_offset_{0};
  SimFaults faults_;
  SimCounters counters_;
  bool enabled_ = true;
  std::function<void(const zk::AttendanceRecord&)> punch_listener_;
};

}  // namespace punchlink::zksim
