// The emulated terminal's state: identity, users, templates, attendance log (with body
// temperature and mask), device events, options, clock and armed faults. Shared by every session,
// the servers and the control API, so it is guarded by one mutex; all access goes through methods
// that lock it.
#pragma once

#include "sim_events.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
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

// What a punch carried besides the ZK record: push terminals upload it in ATTLOG columns 8 and 9
// (adms-push.md §3.1); ZK records have no place for it.
struct SimBiometrics {
  std::optional<double> temperature_c;  // body temperature in °C, as measured
  std::optional<bool> mask;

  friend bool operator==(const SimBiometrics&, const SimBiometrics&) = default;
};

struct SimPunch {
  zk::AttendanceRecord record;
  SimBiometrics biometrics;
};

struct SimCounters {
  std::uint64_t restarts = 0;
  std::uint64_t unlocks = 0;
  std::uint64_t log_clears = 0;
  // Device events raised, by SimEventType (index = the enumerator's value).
  std::array<std::uint64_t, kSimEventTypes.size()> events{};
};

// An event as stored, and how many ZK sessions the event listener sent (or queued) it to.
struct RaisedEvent {
  SimEvent event;
  std::size_t zk_sessions = 0;
};

// Events kept for the push client; older ones are dropped (a push client that far behind has
// been refused for long: the oldest events are lost, as on a terminal whose log is full).
constexpr std::size_t kMaxStoredEvents = 10'000;

class SimDevice {
 public:
  explicit SimDevice(SimIdentity identity);

  const SimIdentity& identity() const { return identity_; }

  // --- clock: device-local wall time = UTC now + offset, in the device's zone
  LocalSeconds localNow() const;
  // Sets the clock to `time`: the offset becomes `time` minus real time (CMD_SET_TIME, push
  // handshakes).
  void setLocalTime(LocalSeconds time);
  // How far the clock runs from real time (0: it shows the real time in its zone).
  std::chrono::seconds clockOffset() const;
  void setClockOffset(std::chrono::seconds offset);

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
  zk::AttendanceRecord addPunch(zk::AttendanceRecord record, SimBiometrics biometrics = {});
  std::vector<zk::AttendanceRecord> attendance() const;
  std::vector<SimPunch> punches() const;  // the log with each punch's biometrics
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

  // --- device events
  // Stores `event` with the next seq, the clock's time when it has none, and the uid of its
  // user_id (0 when none or unknown), counts it, then calls the event listener (outside the
  // lock). Returns the stored event and what the listener returned.
  RaisedEvent addEvent(SimEvent event);
  // Stored events with seq >= `seq`, oldest first.
  std::vector<SimEvent> eventsFrom(std::uint64_t seq) const;
  // Called for every new event; returns how many ZK sessions it was sent or queued to.
  void setEventListener(std::function<std::size_t(const SimEvent&)> listener);

 private:
  SimIdentity identity_;
  TimeZone zone_;
  mutable std::mutex mutex_;
  std::map<std::uint16_t, SimUser> users_;
  std::vector<zk::AttendanceRecord> log_;
  std::vector<SimBiometrics> log_biometrics_;  // parallel to log_
  std::deque<SimEvent> events_;
  std::uint64_t next_event_seq_ = 0;
  std::map<std::string, std::string> options_;
  std::chrono::seconds clock_offset_{0};
  SimFaults faults_;
  SimCounters counters_;
  bool enabled_ = true;
  std::function<void(const zk::AttendanceRecord&)> punch_listener_;
  std::function<std::size_t(const SimEvent&)> event_listener_;
};

}  // namespace punchlink::zksim
