// ZkClient: the agent's connection to one terminal over the ZK binary protocol, with typed calls
// for what the agent needs. Requests and replies are matched by reply id; real-time events that
// arrive in between are acknowledged and queued for nextPunch(). One thread uses a client at a
// time (the device loop that owns it). Time comes from the Clock it is given, links from its
// ZkLinkFactory, so tests drive it with a manual clock and an emulated terminal.
#pragma once

#include "zk_link.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/zk/zk_bulk.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace punchlink::agent::zk_net {

struct ZkClientOptions {
  std::string host;
  std::uint16_t port = 4370;
  ZkTransport transport = ZkTransport::Tcp;
  std::uint32_t comm_key = 0;
  std::chrono::milliseconds timeout{5000};  // per request (and per bulk packet)
  // UDP requests are re-sent with the same reply id, which devices treat as a retransmission
  // and answer from their reply cache (§1.6), so retrying is safe for every command.
  int udp_retries = 2;
  // 0 = the transport's default: 65472 on TCP (what every client uses, §4.3), 16384 on UDP.
  std::uint32_t chunk_size = 0;
  // Disable the keypad during bulk reads so counts stay consistent (§8.6); re-enabled after.
  bool disable_during_reads = true;
};

struct DeviceInfo {
  std::string serial;
  std::string name;
  std::string platform;
  std::string firmware;
  std::string mac;
  std::string fp_version;
  std::string face_version;
};

// What a terminal sends of its own accord once registered: a punch, or a door/alarm event.
using RealtimeEvent = std::variant<zk::RealtimePunch, zk::DeviceEvent>;

class ZkClient {
 public:
  // `clock` must outlive the client; request deadlines are taken from its steadyNow().
  ZkClient(ZkClientOptions options, const Clock& clock, ZkLinkFactory connect = connectZkLink);
  ~ZkClient();
  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;
  ZkClient(ZkClient&&) = delete;
  ZkClient& operator=(ZkClient&&) = delete;

  // Opens the link, sends CONNECT and, when the device asks for it, AUTH with the comm key.
  Status connect();
  // Sends EXIT (best effort) and closes the link.
  void disconnect();

  bool connected() const noexcept { return link_ != nullptr; }

  std::uint16_t sessionId() const noexcept { return session_; }

  Result<DeviceInfo> deviceInfo();
  Result<zk::FreeSizes> freeSizes();
  Result<std::string> option(const std::string& name);
  Result<LocalSeconds> time();
  Status setTime(LocalSeconds time);

  // Bulk reads stream records to `sink` one at a time; the whole table is never held in memory.
  // They return the number of records read.
  Result<std::uint64_t> readAttendance(
      const std::function<void(const zk::AttendanceRecord&)>& sink);
  Result<std::uint64_t> readUsers(const std::function<void(const zk::UserRecord&)>& sink);
  Result<std::uint64_t> readTemplates(const std::function<void(const zk::TemplateRecord&)>& sink);

  // Writes (creates or replaces by uid) a user record.
  Status writeUser(const zk::UserRecord& user);
  // Writes a user and its templates in one batch upload (§4.7, §4.8), then refreshes the device.
  Status writeUserWithTemplates(const zk::UserRecord& user,
                                const std::vector<zk::TemplateRecord>& templates);
  Status deleteUser(std::uint16_t uid);
  Status deleteTemplate(std::uint16_t uid, std::uint8_t finger);
  Status clearAttendance();
  Status unlock(std::chrono::seconds duration);
  Status restart();
  Status enableDevice();
  Status disableDevice();
  // Disables the terminal (its keypad and sensors take nothing) until releaseDisabled(), across
  // reads that would enable it again when done: nothing can be punched between a last read and
  // a clear.
  Status holdDisabled();
  Status releaseDisabled();
  Status refreshData();

  // Subscribes to punches and to door, alarm and denied-access events (CMD_REG_EVENT with
  // EF_ATTLOG | EF_UNLOCK | EF_VERIFY | EF_ALARM).
  Status registerEvents();
  // The next real-time punch or device event, waiting until `deadline`; nullopt on timeout
  // (not an error). Successful verifications (EF_VERIFY of a known user) are not events.
  Result<std::optional<RealtimeEvent>> nextEvent(Deadline deadline);
  // The next punch, skipping device events.
  Result<std::optional<zk::RealtimePunch>> nextPunch(Deadline deadline);

  // Packets dropped as malformed (bad checksum, garbage) since connect.
  std::uint64_t malformedPackets() const;

 private:
  // Sends `command` and returns the reply carrying its reply id; queues events meanwhile.
  Result<zk::Packet> request(std::uint16_t command, zk::Bytes data = {});
  Result<zk::Packet> receiveFor(std::uint16_t reply_id, Deadline deadline);
  Status expectOk(std::uint16_t command, zk::Bytes data = {}, std::string_view what = {});
  Status readTable(const zk::BufferQuery& query, zk::RecordStream& stream);
  Result<zk::Bytes> readChunk(std::uint32_t start, std::uint32_t size);
  Status upload(const zk::Bytes& buffer);
  void queueEvent(const zk::Packet& packet);
  std::uint16_t nextReplyId();
  Error notConnected() const;
  Error deviceError(std::string_view what, const zk::Packet& reply) const;
  std::uint32_t chunkSize() const;

  ZkClientOptions options_;
  bool held_disabled_ = false;
  const Clock& clock_;
  ZkLinkFactory connect_;
  ZkLinkPtr link_;
  std::uint16_t session_ = 0;
  std::uint16_t reply_id_ = 0;
  std::deque<RealtimeEvent> events_;
  std::uint64_t malformed_events_ = 0;
};

}  // namespace punchlink::agent::zk_net
