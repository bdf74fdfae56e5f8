#include "sim_session.hpp"

#include <punchlink/zk/zk_constants.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <algorithm>

namespace punchlink::zksim {

namespace {

using namespace punchlink::zk;

constexpr std::uint32_t kMaxUpload = 16U * 1024U * 1024U;
constexpr std::size_t kInlineLimit = 1024;

// Commands that need no behaviour beyond an acknowledgement (§10.5).
bool isPlainAck(std::uint16_t command) {
  switch (command) {
    case cmd::kRefreshData:
    case cmd::kRefreshOption:
    case cmd::kTestVoice:
    case cmd::kStartVerify:
    case cmd::kCancelCapture:
    case 57:  // CMD_ENABLE_CLOCK
    case 61:  // CMD_STARTENROLL
    case 66:  // CMD_WRITE_LCD
    case 67:  // CMD_CLEAR_LCD
      return true;
    default:
      return false;
  }
}

}  // namespace

SimSession::SimSession(SimDevice& device,
                       const SimOptions& options,
                       Transport transport,
                       std::uint16_t session_id)
    : device_(device), options_(options), transport_(transport), id_(session_id) {}

std::uint32_t SimSession::psize() const {
  return transport_ == Transport::Tcp ? options_.tcp_psize : options_.udp_psize;
}

Packet SimSession::reply(std::uint16_t code, Bytes data) const {
  return Packet{code, id_, request_reply_id_, std::move(data)};
}

Packet SimSession::replyWithSession(std::uint16_t code,
                                    std::uint16_t session_field,
                                    Bytes data) const {
  return Packet{code, session_field, request_reply_id_, std::move(data)};
}

SessionOutput SimSession::single(std::uint16_t code, Bytes data) const {
  SessionOutput out;
  out.replies.push_back({reply(code, std::move(data)), std::chrono::milliseconds{0}});
  return out;
}

SessionOutput SimSession::handle(const Packet& request) {
  if (request.command == reply::kAckOk) {
    return {};  // a client acknowledging an event; the device never answers it (§6.5)
  }
  // A repeated reply id for the same command is a retransmission: answer again, do not re-run
  // (FW RunCommand, §1.6).
  if (last_request_ && last_request_->first == request.command &&
      last_request_->second == request.reply_id && request.command != cmd::kConnect) {
    return last_output_;
  }
  request_reply_id_ = request.reply_id;
  SessionOutput out = dispatch(request);
  const int delay_ms = device_.faults().delay_ms;
  if (delay_ms > 0 && !out.replies.empty()) {
    out.replies.front().delay += std::chrono::milliseconds{delay_ms};
  }
  last_request_ = std::make_pair(request.command, request.reply_id);
  last_output_ = out;
  return out;
}

SessionOutput SimSession::dispatch(const Packet& request) {
  const SimFaults faults = device_.faults();
  if (request.command == cmd::kConnect) {
    connected_ = true;
    authenticated_ = device_.identity().comm_key == 0 && !faults.refuse_auth;
    // The session id travels in the session field; no data (§3.1).
    return single(authenticated_ ? reply::kAckOk : reply::kAckUnauth);
  }
  if (!connected_) {
    return {};  // FW drops packets of unknown sessions silently
  }
  if (request.command == cmd::kAuth) {
    authenticated_ =
        !faults.refuse_auth && checkCommKey(request.data, device_.identity().comm_key, id_);
    return single(authenticated_ ? reply::kAckOk : reply::kAckUnauth);
  }
  if (!authenticated_) {
    return single(reply::kAckUnauth);
  }
  if (isPlainAck(request.command)) {
    return single(reply::kAckOk);
  }
  switch (request.command) {
    case cmd::kExit: {
      SessionOutput out = single(reply::kAckOk);
      download_.clear();
      upload_.clear();
      in_bulk_ = false;
      out.close = true;
      return out;
    }
    case cmd::kEnableDevice:
      device_.setEnabled(true);
      return single(reply::kAckOk);
    case cmd::kDisableDevice:
      device_.setEnabled(false);
      return single(reply::kAckOk);
    case cmd::kRestart:
    case cmd::kPowerOff: {
      device_.countRestart();
      SessionOutput out = single(reply::kAckOk);
      out.close = true;
      return out;
    }
    case cmd::kGetVersion: {
      // One data byte 00 asks for the platform name instead (§2.1).
      const std::string text = request.data.size() == 1 && request.data[0] == 0
                                   ? device_.identity().platform
                                   : device_.identity().firmware;
      Bytes data(text.begin(), text.end());
      data.push_back(0);
      return single(reply::kAckOk, std::move(data));
    }
    case cmd::kRegEvent: {
      Bytes mask = request.data;
      mask.resize(4, 0);
      event_mask_ = readU32(mask, 0);
      return single(reply::kAckOk);
    }
    case cmd::kStateRrq:
      return {{{replyWithSession(reply::kAckOk, 0), std::chrono::milliseconds{0}}}, false};
    case cmd::kGetPinWidth: {
      const auto width = device_.option("~PIN2Width").value_or("9");
      return single(reply::kAckOk, Bytes{static_cast<std::uint8_t>(std::stoi(width))});
    }
    case cmd::kUnlock:
      device_.countUnlock();
      return single(reply::kAckOk);
    case cmd::kOptionsRrq:
      return option(request);
    case cmd::kOptionsWrq:
      return setOption(request);
    case cmd::kGetFreeSizes:
      return single(reply::kAckOk, encodeFreeSizes(device_.freeSizes()));
    case cmd::kGetTime: {
      Bytes data;
      appendU32(data, encodePackedTime(device_.localNow()));
      return single(reply::kAckOk, std::move(data));
    }
    case cmd::kSetTime: {
      if (request.data.size() < 4) {
        return single(reply::kAckError);
      }
      auto time = decodePackedTime(readU32(request.data, 0));
      if (!time) {
        return single(reply::kAckError);
      }
      device_.setLocalTime(*time);
      return single(reply::kAckOk);
    }
    case cmd::kUserWrq:
      return writeUser(request);
    case cmd::kDeleteUser: {
      if (request.data.size() < 2) {
        return single(reply::kAckError);
      }
      return single(device_.deleteUser(readU16(request.data, 0)) ? reply::kAckOk
                                                                 : reply::kAckError);
    }
    case cmd::kDeleteUserTemp: {
      if (request.data.size() < 3) {
        return {{{replyWithSession(reply::kAckError, 1), std::chrono::milliseconds{0}}}, false};
      }
      if (device_.deleteTemplate(readU16(request.data, 0), request.data[2])) {
        return single(reply::kAckOk);
      }
      return {{{replyWithSession(reply::kAckError, 2), std::chrono::milliseconds{0}}}, false};
    }
    case cmd::kDelUserTemp:
      return deleteTemplateByUserId(request);
    case cmd::kGetUserTemp:
      return templateRead(request);
    case cmd::kClearAttLog:
      device_.clearAttendance();
      return single(reply::kAckOk);
    case cmd::kClearData:
      return clearData(request);
    case cmd::kPrepareBuffer:
      return bufferQuery(request);
    case cmd::kReadBuffer: {
      auto range = decodeRange(request.data);
      if (!range) {
        return single(reply::kAckError);
      }
      return readChunk(range->first, range->second, options_.inline_small_chunks);
    }
    case cmd::kFreeData:
      download_.clear();
      upload_.clear();
      in_bulk_ = false;
      return single(reply::kAckOk);
    case cmd::kAttLogRrq:
      return legacyRead(device_.snapshotAttendance());
    case cmd::kUserTempRrq:
      return legacyRead(device_.snapshotUsers());
    case cmd::kDbRrq: {
      const std::uint8_t table = request.data.empty() ? fct::kUser : request.data[0];
      if (table == fct::kAttLog) {
        return legacyRead(device_.snapshotAttendance());
      }
      if (table == fct::kFingerTmp) {
        return legacyRead(device_.snapshotTemplates());
      }
      return legacyRead(device_.snapshotUsers());
    }
    case cmd::kPrepareData:
      return uploadPrepare(request);
    case cmd::kData:
      return uploadData(request);
    case cmd::kSaveUserTemps:
      return applyBatch();
    case 119: {  // CMD_CHECKSUM_BUFFER: hash of the upload buffer
      Bytes data;
      appendU32(data, bufferHash(upload_));
      return single(reply::kAckOk, std::move(data));
    }
    case 87: {  // CMD_TMP_WRITE: [uid u16][finger u8][flag u8][len u16], template in the buffer
      if (request.data.size() < 6 || readU16(request.data, 4) > upload_.size()) {
        return single(reply::kAckError);
      }
      const std::uint16_t length = readU16(request.data, 4);
      TemplateRecord record{readU16(request.data, 0), request.data[2],
                            static_cast<std::uint8_t>(request.data[3] == 0 ? 1 : request.data[3]),
                            Bytes(upload_.begin(), upload_.begin() + length)};
      return single(device_.putTemplate(record).ok() ? reply::kAckOk : reply::kAckError);
    }
    default:
      return single(reply::kAckUnknown);  // never silent (§10.5)
  }
}

SessionOutput SimSession::option(const Packet& request) {
  const std::string name = readFixedString(request.data, 0, request.data.size());
  const auto value = device_.option(name);
  if (!value) {
    return single(reply::kAckError);
  }
  const std::string text = name + "=" + *value;
  Bytes data(text.begin(), text.end());
  data.push_back(0);
  return single(reply::kAckOk, std::move(data));
}

SessionOutput SimSession::setOption(const Packet& request) {
  const std::string text = readFixedString(request.data, 0, request.data.size());
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    return {{{replyWithSession(reply::kAckError, 1), std::chrono::milliseconds{0}}}, false};
  }
  device_.setOption(text.substr(0, equals), text.substr(equals + 1));
  return single(reply::kAckOk);
}

SessionOutput SimSession::writeUser(const Packet& request) {
  Result<UserRecord> user = makeError(ErrorCode::InvalidInput, "size");
  if (request.data.size() >= 72) {
    user = decodeUser(request.data, UserFormat::Record72);
  } else if (request.data.size() >= 28) {
    user = decodeUser(request.data, UserFormat::Record28);
  }
  if (!user) {
    return {{{replyWithSession(reply::kAckError, 1), std::chrono::milliseconds{0}}}, false};
  }
  if (!device_.putUser(*user)) {
    return {{{replyWithSession(reply::kAckError, 2), std::chrono::milliseconds{0}}}, false};
  }
  return single(reply::kAckOk);
}

SessionOutput SimSession::deleteTemplateByUserId(const Packet& request) {
  if (request.data.size() < 25) {
    return single(reply::kAckError);
  }
  const std::string user_id = readFixedString(request.data, 0, 24);
  const std::uint8_t finger = request.data[24];
  const auto user = device_.userByUserId(user_id);
  bool deleted = false;
  if (user) {
    for (std::uint8_t f = 0; f <= 9; ++f) {
      if ((finger == 13 || finger == f) && device_.deleteTemplate(user->record.uid, f)) {
        deleted = true;
      }
    }
  }
  return {{{replyWithSession(reply::kAckOk, deleted ? id_ : 2), std::chrono::milliseconds{0}}},
          false};
}

SessionOutput SimSession::templateRead(const Packet& request) {
  if (request.data.size() < 3) {
    return single(reply::kAckError);
  }
  const auto user = device_.userByUid(readU16(request.data, 0));
  if (!user) {
    return single(reply::kAckError);
  }
  const auto it = user->templates.find(request.data[2]);
  if (it == user->templates.end()) {
    return single(reply::kAckError);
  }
  // Template followed by one valid-flag byte (§4.9).
  Bytes data = it->second.data;
  data.push_back(it->second.valid);
  if (data.size() <= kInlineLimit) {
    return single(cmd::kData, std::move(data));
  }
  download_ = std::move(data);
  SessionOutput out = readChunk(0, static_cast<std::uint32_t>(download_.size()), false);
  download_.clear();
  return out;
}

SessionOutput SimSession::clearData(const Packet& request) {
  if (request.data.empty()) {
    device_.clearAll();
  } else if (request.data[0] == fct::kAttLog) {
    device_.clearAttendance();
  } else if (request.data[0] == fct::kUser) {
    for (const auto& user : device_.users()) {
      device_.deleteUser(user.record.uid);
    }
  } else if (request.data[0] == fct::kFingerTmp) {
    for (const auto& user : device_.users()) {
      for (const auto& [finger, record] : user.templates) {
        device_.deleteTemplate(user.record.uid, finger);
      }
    }
  }
  return single(reply::kAckOk);
}

SessionOutput SimSession::bufferQuery(const Packet& request) {
  auto query = decodeBufferQuery(request.data);
  if (!query) {
    return single(reply::kAckError);
  }
  switch (query->command) {
    case cmd::kAttLogRrq:
      download_ = device_.snapshotAttendance();
      break;
    case cmd::kUserTempRrq:
      download_ = device_.snapshotUsers();
      break;
    case cmd::kDbRrq:
      download_ = query->param1 == fct::kFingerTmp ? device_.snapshotTemplates()
                  : query->param1 == fct::kAttLog  ? device_.snapshotAttendance()
                                                   : device_.snapshotUsers();
      break;
    default:
      download_ = Bytes{0, 0, 0, 0};  // op log and others: empty
      break;
  }
  if (download_.size() <= 4 && options_.empty_table_error) {
    download_.clear();
    return single(reply::kAckError);
  }
  if (download_.size() <= kInlineLimit) {
    Bytes data = std::move(download_);
    download_.clear();
    return single(cmd::kData, std::move(data));
  }
  in_bulk_ = true;
  return single(reply::kAckOk, encodeBufferDescriptor({static_cast<std::uint32_t>(download_.size()),
                                                       bufferHash(download_)}));
}

SessionOutput SimSession::readChunk(std::uint32_t start, std::uint32_t size, bool allow_inline) {
  if (download_.empty() || std::uint64_t{start} + size > download_.size()) {
    return single(reply::kAckError);
  }
  const auto first = download_.begin() + start;
  if (allow_inline && size <= kInlineLimit) {
    return single(cmd::kData, Bytes(first, first + size));
  }
  SessionOutput out;
  // Paced like FW, before PREPARE_DATA too: node-zklib sends all chunk requests at once and reads
  // one packet per socket read, so an ACK_OK and the next PREPARE_DATA must not coalesce (§8.1).
  out.replies.push_back({reply(cmd::kPrepareData, encodeRange({size, psize()})), options_.pacing});
  std::uint16_t index = 0;
  for (std::uint32_t offset = 0; offset < size; offset += psize()) {
    const std::uint32_t n = std::min(psize(), size - offset);
    // The session field of each CMD_DATA is its packet index (§4.3).
    out.replies.push_back(
        {replyWithSession(cmd::kData, index++, Bytes(first + offset, first + offset + n)),
         options_.pacing});
  }
  out.replies.push_back({reply(reply::kAckOk), options_.pacing});
  return out;
}

SessionOutput SimSession::legacyRead(Bytes buffer) {
  if (buffer.size() <= 4) {
    return single(reply::kAckError);
  }
  download_ = std::move(buffer);
  SessionOutput out = readChunk(0, static_cast<std::uint32_t>(download_.size()), false);
  // For these commands the final ACK_OK's session field holds the size (§4.5).
  out.replies.back().packet.session = static_cast<std::uint16_t>(download_.size() & 0xFFFFU);
  download_.clear();
  return out;
}

SessionOutput SimSession::uploadPrepare(const Packet& request) {
  if (request.data.size() < 4 || readU32(request.data, 0) > kMaxUpload) {
    return single(reply::kAckError);
  }
  upload_.clear();
  upload_expected_ = readU32(request.data, 0);
  return single(reply::kAckOk);
}

SessionOutput SimSession::uploadData(const Packet& request) {
  if (upload_.size() + request.data.size() > upload_expected_) {
    return single(reply::kAckError);
  }
  upload_.insert(upload_.end(), request.data.begin(), request.data.end());
  return single(reply::kAckOk);
}

SessionOutput SimSession::applyBatch() {
  // §4.8: [users_len][table_len][templates_len], then users, table and templates.
  const ByteView buffer(upload_);
  if (buffer.size() < 12) {
    return single(reply::kAckError);
  }
  const std::uint64_t users_len = readU32(buffer, 0);
  const std::uint64_t table_len = readU32(buffer, 4);
  const std::uint64_t templates_len = readU32(buffer, 8);
  if (12 + users_len + table_len + templates_len > buffer.size() || table_len % 8 != 0) {
    return single(reply::kAckError);
  }
  const std::size_t record = users_len % 73 == 0 ? 73 : users_len % 29 == 0 ? 29 : 0;
  if (record == 0) {
    return single(reply::kAckError);
  }
  const ByteView users = buffer.subspan(12, users_len);
  const ByteView table = buffer.subspan(12 + users_len, table_len);
  const ByteView templates = buffer.subspan(12 + users_len + table_len, templates_len);
  for (std::size_t offset = 0; offset < users.size(); offset += record) {
    const std::uint8_t op = users[offset];
    auto user = decodeUser(users.subspan(offset + 1, record - 1),
                           record == 73 ? UserFormat::Record72 : UserFormat::Record28);
    if (!user) {
      return single(reply::kAckError);
    }
    if (op == 0) {
      device_.deleteUser(user->uid);
    } else if (op != 4 && !device_.putUser(*user)) {
      return single(reply::kAckError);
    }
  }
  for (std::size_t offset = 0; offset < table.size(); offset += 8) {
    const std::uint8_t op = table[offset];
    const std::uint16_t uid = readU16(table, offset + 1);
    const std::uint8_t finger_byte = table[offset + 3];
    const std::uint32_t at = readU32(table, offset + 4);
    const auto finger = static_cast<std::uint8_t>(finger_byte & 0x0FU);
    if (op == 0) {
      device_.deleteTemplate(uid, finger);
      continue;
    }
    if (std::uint64_t{at} + 2 > templates.size()) {
      return single(reply::kAckError);
    }
    const std::uint16_t length = readU16(templates, at);
    if (std::uint64_t{at} + 2 + length > templates.size()) {
      return single(reply::kAckError);
    }
    const auto valid = static_cast<std::uint8_t>(finger_byte >> 4U);
    TemplateRecord tmpl{uid, finger, static_cast<std::uint8_t>(valid == 0 ? 1 : valid),
                        Bytes(templates.begin() + at + 2, templates.begin() + at + 2 + length)};
    if (!device_.putTemplate(tmpl)) {
      return single(reply::kAckError);
    }
  }
  return single(reply::kAckOk);
}

std::optional<Packet> SimSession::attendanceEvent(const AttendanceRecord& record) const {
  if ((event_mask_ & event::kAttLog) == 0) {
    return std::nullopt;
  }
  // Event code in the session field, reply id 0 (§6.2); UDP clients accept only 10 bytes (§9).
  return Packet{cmd::kRegEvent, static_cast<std::uint16_t>(event::kAttLog), 0,
                transport_ == Transport::Tcp ? encodeAttendanceEvent36(record)
                                             : encodeAttendanceEvent10(record)};
}

std::optional<Packet> SimSession::deviceEvent(const DeviceEvent& event) const {
  const std::uint16_t flag = deviceEventFlag(event.kind);
  if ((event_mask_ & flag) == 0) {
    return std::nullopt;
  }
  return Packet{cmd::kRegEvent, flag, 0, encodeDeviceEvent(event)};
}

}  // namespace punchlink::zksim
