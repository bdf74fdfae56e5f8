// Pure helpers for bulk transfers (reference §4): assembling one chunk answer from its packets,
// turning a stream of chunks into records without holding the whole table, and building the
// batch user + template upload buffer.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/zk/zk_packet.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <variant>
#include <vector>

namespace punchlink::zk {

// Largest single transfer a device may announce: far above any real table (500k × 40 bytes).
constexpr std::uint32_t kMaxChunk = 64U * 1024U * 1024U;

// Collects the answer to one 1504 chunk request (or a legacy read): either one inline CMD_DATA,
// or PREPARE_DATA [size, psize], CMD_DATA packets, ACK_OK.
class ChunkReceiver {
 public:
  enum class State { Waiting, Receiving, Done, Failed };

  // expected: the chunk size asked for (0 = accept whatever PREPARE_DATA announces).
  explicit ChunkReceiver(std::uint32_t expected) : expected_(expected) {}

  // Feeds one packet that carries the request's reply id.
  State feed(const Packet& packet);

  State state() const noexcept { return state_; }

  const Bytes& data() const noexcept { return data_; }

  Bytes takeData() { return std::move(data_); }

  const std::string& error() const noexcept { return error_; }

 private:
  State fail(std::string reason);

  std::uint32_t expected_;
  std::uint32_t announced_ = 0;
  State state_ = State::Waiting;
  Bytes data_;
  std::string error_;
};

// The record layout of a bulk table.
enum class RecordKind { Attendance, User, Template };

// Decodes a table buffer ([u32 total][records]) fed in pieces, calling `on_attendance` /
// `on_user` / `on_template` per record. Holds at most one partial record between pieces.
class RecordStream {
 public:
  using AttendanceSink = std::function<void(const AttendanceRecord&)>;
  using UserSink = std::function<void(const UserRecord&)>;
  using TemplateSink = std::function<void(const TemplateRecord&)>;

  // record_size: 40/16/8 for attendance, 72/28 for users, ignored for templates. 0 = infer it
  // from the table's total and `expected_count` (the device's count from free sizes, §5.1).
  RecordStream(RecordKind kind, std::size_t record_size, std::uint32_t expected_count = 0);

  void onAttendance(AttendanceSink sink) { on_attendance_ = std::move(sink); }

  void onUser(UserSink sink) { on_user_ = std::move(sink); }

  void onTemplate(TemplateSink sink) { on_template_ = std::move(sink); }

  // Errors for undecodable records, and for bytes beyond the announced total.
  Status feed(ByteView bytes);

  // After the last piece: an error if the stream ended early or mid-record.
  Status finish() const;

  std::optional<std::uint32_t> total() const noexcept { return total_; }

  std::uint64_t records() const noexcept { return records_; }

 private:
  Status consume(ByteView record_bytes, std::size_t& used);
  Status resolveRecordSize();

  RecordKind kind_;
  std::size_t record_size_;
  std::uint32_t expected_count_;
  std::optional<std::uint32_t> total_;
  std::uint64_t received_ = 0;  // record bytes seen after the total
  std::uint64_t records_ = 0;
  Bytes pending_;
  AttendanceSink on_attendance_;
  UserSink on_user_;
  TemplateSink on_template_;
};

// Attendance record size from a table's total byte count and the device's record count
// (PYZK's method, §5.1); nullopt if they do not agree on a known size.
std::optional<AttendanceFormat> inferAttendanceFormat(std::uint32_t total, std::uint32_t count);
std::optional<UserFormat> inferUserFormat(std::uint32_t total, std::uint32_t count);

// Batch upload buffer (§4.8) writing users with op 2 (add or overwrite) and their templates.
Bytes encodeBatchUpload(const std::vector<UserRecord>& users,
                        const std::vector<TemplateRecord>& templates,
                        UserFormat format);

}  // namespace punchlink::zk
