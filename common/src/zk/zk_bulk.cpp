#include <punchlink/zk/zk_bulk.hpp>
#include <punchlink/zk/zk_constants.hpp>

#include <algorithm>
#include <span>

namespace punchlink::zk {

ChunkReceiver::State ChunkReceiver::fail(std::string reason) {
  state_ = State::Failed;
  error_ = std::move(reason);
  data_.clear();
  return state_;
}

ChunkReceiver::State ChunkReceiver::feed(const Packet& packet) {
  if (state_ == State::Done || state_ == State::Failed) {
    return state_;
  }
  switch (packet.command) {
    case cmd::kData:
      if (state_ == State::Waiting) {  // inline answer: the whole chunk in one packet
        if (expected_ != 0 && packet.data.size() != expected_) {
          return fail("inline chunk of " + std::to_string(packet.data.size()) +
                      " bytes, expected " + std::to_string(expected_));
        }
        data_ = packet.data;
        state_ = State::Done;
        return state_;
      }
      if (data_.size() + packet.data.size() > announced_) {
        return fail("device sent more data than the " + std::to_string(announced_) +
                    " bytes it announced");
      }
      data_.insert(data_.end(), packet.data.begin(), packet.data.end());
      return state_;
    case cmd::kPrepareData: {
      auto range = decodeRange(packet.data);
      if (!range || state_ != State::Waiting) {
        return fail("unexpected PREPARE_DATA");
      }
      if (expected_ != 0 && range->first != expected_) {
        return fail("device announced " + std::to_string(range->first) + " bytes, expected " +
                    std::to_string(expected_));
      }
      if (range->first > kMaxChunk) {
        return fail("device announced an implausible " + std::to_string(range->first) + " bytes");
      }
      announced_ = range->first;
      // Reserve at most one TCP packet's worth up front; the rest grows with data actually sent.
      data_.reserve(std::min<std::size_t>(announced_, kMaxTcpPacket));
      state_ = State::Receiving;
      return state_;
    }
    case reply::kAckOk:
      if (state_ != State::Receiving) {
        return fail("ACK_OK before any data");
      }
      if (data_.size() != announced_) {
        return fail("chunk ended after " + std::to_string(data_.size()) + " of " +
                    std::to_string(announced_) + " bytes");
      }
      state_ = State::Done;
      return state_;
    case reply::kAckError:
      return fail("device refused the read (ACK_ERROR)");
    default:
      return fail("unexpected reply " + std::to_string(packet.command) + " during a bulk read");
  }
}

RecordStream::RecordStream(RecordKind kind, std::size_t record_size, std::uint32_t expected_count)
    : kind_(kind), record_size_(record_size), expected_count_(expected_count) {}

Status RecordStream::resolveRecordSize() {
  if (record_size_ != 0 || kind_ == RecordKind::Template || *total_ == 0) {
    return {};
  }
  if (kind_ == RecordKind::Attendance) {
    if (auto format = inferAttendanceFormat(*total_, expected_count_)) {
      record_size_ = static_cast<std::size_t>(*format);
      return {};
    }
  } else if (auto format = inferUserFormat(*total_, expected_count_)) {
    record_size_ = static_cast<std::size_t>(*format);
    return {};
  }
  // Some models report counts wrongly (§8.6); fall back to the one size that divides the total.
  static constexpr std::size_t kAttendanceSizes[] = {40, 16, 8};
  static constexpr std::size_t kUserSizes[] = {72, 28};
  const std::span<const std::size_t> candidates =
      kind_ == RecordKind::Attendance ? std::span<const std::size_t>(kAttendanceSizes)
                                      : std::span<const std::size_t>(kUserSizes);
  for (const std::size_t size : candidates) {
    if (*total_ % size == 0) {
      record_size_ = size;
      return {};
    }
  }
  return makeError(ErrorCode::InvalidInput,
                   "cannot tell the record size: " + std::to_string(*total_) + " bytes for " +
                       std::to_string(expected_count_) + " records",
                   "the terminal's record count changed during the read or its record format is "
                   "not supported; retry the read");
}

Status RecordStream::consume(ByteView bytes, std::size_t& used) {
  used = 0;
  switch (kind_) {
    case RecordKind::Attendance: {
      if (bytes.size() < record_size_) {
        return {};
      }
      auto record =
          decodeAttendance(bytes.first(record_size_), static_cast<AttendanceFormat>(record_size_));
      if (!record) {
        return makeError(ErrorCode::InvalidInput, "attendance record " + std::to_string(records_) +
                                                      ": " + record.error().message);
      }
      used = record_size_;
      if (on_attendance_) {
        on_attendance_(*record);
      }
      break;
    }
    case RecordKind::User: {
      if (bytes.size() < record_size_) {
        return {};
      }
      auto user = decodeUser(bytes.first(record_size_), static_cast<UserFormat>(record_size_));
      if (!user) {
        return makeError(ErrorCode::InvalidInput,
                         "user record " + std::to_string(records_) + ": " + user.error().message);
      }
      used = record_size_;
      if (on_user_) {
        on_user_(*user);
      }
      break;
    }
    case RecordKind::Template: {
      if (bytes.size() < 2 || bytes.size() < readU16(bytes, 0)) {
        return {};  // wait for the whole record
      }
      std::size_t consumed = 0;
      auto record = decodeTemplate(bytes, consumed);
      if (!record) {
        return makeError(ErrorCode::InvalidInput, "template record " + std::to_string(records_) +
                                                      ": " + record.error().message);
      }
      used = consumed;
      if (on_template_) {
        on_template_(*record);
      }
      break;
    }
  }
  ++records_;
  return {};
}

Status RecordStream::feed(ByteView bytes) {
  while (!total_ && !bytes.empty()) {
    pending_.push_back(bytes.front());
    bytes = bytes.subspan(1);
    if (pending_.size() == 4) {
      total_ = readU32(pending_, 0);
      pending_.clear();
      if (auto resolved = resolveRecordSize(); !resolved) {
        return resolved;
      }
    }
  }
  if (!total_) {
    return {};
  }
  if (received_ + bytes.size() > *total_) {
    return makeError(
        ErrorCode::InvalidInput,
        "table holds more bytes than its announced total of " + std::to_string(*total_));
  }
  received_ += bytes.size();
  // Complete a partial record left from the previous piece first.
  while (!pending_.empty() && !bytes.empty()) {
    pending_.push_back(bytes.front());
    bytes = bytes.subspan(1);
    std::size_t used = 0;
    if (auto status = consume(pending_, used); !status) {
      return status;
    }
    if (used > 0) {
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
    }
  }
  while (!bytes.empty()) {
    std::size_t used = 0;
    if (auto status = consume(bytes, used); !status) {
      return status;
    }
    if (used == 0) {
      pending_.assign(bytes.begin(), bytes.end());
      break;
    }
    bytes = bytes.subspan(used);
  }
  return {};
}

Status RecordStream::finish() const {
  if (!total_) {
    return makeError(ErrorCode::InvalidInput, "table ended before its 4-byte total");
  }
  if (received_ != *total_) {
    return makeError(ErrorCode::InvalidInput, "table ended after " + std::to_string(received_) +
                                                  " of " + std::to_string(*total_) + " bytes");
  }
  if (!pending_.empty()) {
    return makeError(ErrorCode::InvalidInput, "table ended in the middle of a record (" +
                                                  std::to_string(pending_.size()) +
                                                  " bytes left over)");
  }
  return {};
}

std::optional<AttendanceFormat> inferAttendanceFormat(std::uint32_t total, std::uint32_t count) {
  if (count == 0 || total % count != 0) {
    return std::nullopt;
  }
  switch (total / count) {
    case 40:
      return AttendanceFormat::Record40;
    case 16:
      return AttendanceFormat::Record16;
    case 8:
      return AttendanceFormat::Record8;
    default:
      return std::nullopt;
  }
}

std::optional<UserFormat> inferUserFormat(std::uint32_t total, std::uint32_t count) {
  if (count == 0 || total % count != 0) {
    return std::nullopt;
  }
  switch (total / count) {
    case 72:
      return UserFormat::Record72;
    case 28:
      return UserFormat::Record28;
    default:
      return std::nullopt;
  }
}

Bytes encodeBatchUpload(const std::vector<UserRecord>& users,
                        const std::vector<TemplateRecord>& templates,
                        UserFormat format) {
  Bytes user_part;
  for (const auto& user : users) {
    user_part.push_back(2);  // op: add or overwrite
    encodeUser(user, format, user_part);
  }
  Bytes table;
  Bytes template_part;
  for (const auto& tmpl : templates) {
    table.push_back(2);
    appendU16(table, tmpl.uid);
    // Low nibble finger, high nibble valid flag (§4.8); PYZK writes 0x10 + finger.
    table.push_back(
        static_cast<std::uint8_t>(((tmpl.valid & 0x0FU) << 4U) | (tmpl.finger & 0x0FU)));
    appendU32(table, static_cast<std::uint32_t>(template_part.size()));
    appendU16(template_part, static_cast<std::uint16_t>(tmpl.data.size()));
    template_part.insert(template_part.end(), tmpl.data.begin(), tmpl.data.end());
  }
  Bytes out;
  appendU32(out, static_cast<std::uint32_t>(user_part.size()));
  appendU32(out, static_cast<std::uint32_t>(table.size()));
  appendU32(out, static_cast<std::uint32_t>(template_part.size()));
  out.insert(out.end(), user_part.begin(), user_part.end());
  out.insert(out.end(), table.begin(), table.end());
  out.insert(out.end(), template_part.begin(), template_part.end());
  return out;
}

}  // namespace punchlink::zk
