// One client session of the emulated terminal, sans-I/O: a request packet goes in, the packets to
// send (with the pause before each) come out. Implements the device side of
// shared/reference/zk-protocol.md as §10's emulator checklist describes; the TCP and UDP servers
// only move bytes.
#pragma once

#include "sim_device.hpp"

#include <punchlink/zk/zk_packet.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace punchlink::zksim {

enum class Transport { Tcp, Udp };

struct SimOptions {
  // FW pauses 20 ms after every CMD_DATA of a bulk answer; node-zklib relies on it (§8.1).
  std::chrono::milliseconds pacing{20};
  std::uint32_t tcp_psize = 65528;  // FW source; older firmware used 1008
  std::uint32_t udp_psize = 1024;
  // FW answers a 1504 chunk of ≤ 1024 bytes inline; node-zklib breaks on that (§9), so off.
  bool inline_small_chunks = false;
  // FW answers a 1503 on an empty table with ACK_ERROR; default is an inline empty buffer.
  bool empty_table_error = false;
  zk::ChecksumPolicy checksums = zk::ChecksumPolicy::Verify;
};

struct Outgoing {
  zk::Packet packet;
  std::chrono::milliseconds delay{0};  // pause before sending this packet
};

struct SessionOutput {
  std::vector<Outgoing> replies;
  bool close = false;  // TCP: close the connection after sending (EXIT, RESTART, POWEROFF)
};

class SimSession {
 public:
  SimSession(SimDevice& device,
             const SimOptions& options,
             Transport transport,
             std::uint16_t session_id);

  SessionOutput handle(const zk::Packet& request);

  // The event packet for a new punch, if this session registered for attendance events.
  std::optional<zk::Packet> attendanceEvent(const zk::AttendanceRecord& record) const;

  // The event packet for a device event (command 500, its flag in the session field, reply id
  // 0; §6.2), if this session's registered mask includes that flag.
  std::optional<zk::Packet> deviceEvent(const zk::DeviceEvent& event) const;

  // True between a buffered-read descriptor and FREE_DATA: events wait (§9: NODE appends any
  // packet to the transfer it is receiving).
  bool inBulk() const noexcept { return in_bulk_; }

  bool connected() const noexcept { return connected_; }

  std::uint16_t id() const noexcept { return id_; }

 private:
  SessionOutput dispatch(const zk::Packet& request);
  zk::Packet reply(std::uint16_t code, zk::Bytes data = {}) const;
  zk::Packet replyWithSession(std::uint16_t code,
                              std::uint16_t session_field,
                              zk::Bytes data = {}) const;
  SessionOutput single(std::uint16_t code, zk::Bytes data = {}) const;
  SessionOutput bufferQuery(const zk::Packet& request);
  SessionOutput readChunk(std::uint32_t start, std::uint32_t size, bool allow_inline);
  SessionOutput legacyRead(zk::Bytes buffer);
  SessionOutput uploadPrepare(const zk::Packet& request);
  SessionOutput uploadData(const zk::Packet& request);
  SessionOutput applyBatch();
  SessionOutput writeUser(const zk::Packet& request);
  SessionOutput option(const zk::Packet& request);
  SessionOutput setOption(const zk::Packet& request);
  SessionOutput templateRead(const zk::Packet& request);
  SessionOutput deleteTemplateByUserId(const zk::Packet& request);
  SessionOutput clearData(const zk::Packet& request);
  std::uint32_t psize() const;

  SimDevice& device_;
  const SimOptions& options_;
  Transport transport_;
  std::uint16_t id_;
  std::uint16_t request_reply_id_ = 0;
  bool connected_ = false;
  bool authenticated_ = false;
  std::uint32_t event_mask_ = 0;
  bool in_bulk_ = false;
  zk::Bytes download_;
  zk::Bytes upload_;
  std::uint32_t upload_expected_ = 0;
  std::optional<std::pair<std::uint16_t, std::uint16_t>> last_request_;  // command, reply id
  SessionOutput last_output_;
};

}  // namespace punchlink::zksim
