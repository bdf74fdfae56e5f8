#include "zk_client.hpp"

#include <punchlink/zk/zk_constants.hpp>

namespace punchlink::agent::zk_net {

namespace {

using namespace punchlink::zk;

constexpr std::uint32_t kTcpChunk = 0xFFC0;  // 65472, as PYZK and node-zklib request (§4.3)
constexpr std::uint32_t kUdpChunk = 16 * 1024;
constexpr std::size_t kUploadPacket = 1024;  // CMD_DATA upload chunk (§4.7)

std::string commandName(std::uint16_t command) {
  switch (command) {
    case reply::kAckError:
      return "ACK_ERROR";
    case reply::kAckUnauth:
      return "ACK_UNAUTH";
    case reply::kAckUnknown:
      return "ACK_UNKNOWN";
    default:
      return "reply " + std::to_string(command);
  }
}

}  // namespace

ZkClient::ZkClient(ZkClientOptions options, const Clock& clock, ZkLinkFactory connect)
    : options_(std::move(options)), clock_(clock), connect_(std::move(connect)) {}

ZkClient::~ZkClient() { disconnect(); }

std::uint32_t ZkClient::chunkSize() const {
  if (options_.chunk_size != 0) {
    return options_.chunk_size;
  }
  return options_.transport == ZkTransport::Tcp ? kTcpChunk : kUdpChunk;
}

std::uint16_t ZkClient::nextReplyId() {
  // Clients wrap 65534 -> 0; 65535 is never used (§1.6).
  reply_id_ = reply_id_ >= 65534 ? 0 : static_cast<std::uint16_t>(reply_id_ + 1);
  return reply_id_;
}

Error ZkClient::notConnected() const {
  return makeError(ErrorCode::Unavailable, "not connected to terminal " + options_.host + ":" +
                                               std::to_string(options_.port));
}

Error ZkClient::deviceError(std::string_view what, const Packet& reply) const {
  if (reply.command == reply::kAckUnauth) {
    return makeError(ErrorCode::PermissionDenied,
                     "terminal refused " + std::string(what) + ": not authenticated",
                     "check the device's comm key in the config");
  }
  return makeError(ErrorCode::Conflict, "terminal refused " + std::string(what) + " (" +
                                            commandName(reply.command) + ", code " +
                                            std::to_string(reply.session) + ")");
}

Status ZkClient::connect() {
  disconnect();
  held_disabled_ = false;  // a terminal enables itself when its session ends
  auto link = connect_(options_.transport, options_.host, options_.port, options_.timeout);
  if (!link) {
    return link.error();
  }
  link_ = std::move(link.value());
  session_ = 0;
  reply_id_ = 65534;  // so CONNECT goes out with reply id 0, as PYZK does
  events_.clear();
  auto reply = request(cmd::kConnect);
  if (!reply) {
    link_.reset();
    return reply.error();
  }
  session_ = reply->session;
  if (reply->command == reply::kAckUnauth) {
    if (options_.comm_key == 0) {
      link_.reset();
      return makeError(ErrorCode::PermissionDenied,
                       "terminal " + options_.host + " requires a comm key",
                       "set the device's comm_key in the config to the value in the terminal's "
                       "menu (Comm Key)");
    }
    const auto proof = makeCommKey(options_.comm_key, session_);
    auto auth = request(cmd::kAuth, Bytes(proof.begin(), proof.end()));
    if (!auth) {
      link_.reset();
      return auth.error();
    }
    if (auth->command != reply::kAckOk) {
      link_.reset();
      return makeError(ErrorCode::PermissionDenied,
                       "terminal " + options_.host + " rejected the comm key",
                       "check the device's comm_key in the config against the terminal's menu");
    }
  } else if (reply->command != reply::kAckOk) {
    link_.reset();
    return makeError(ErrorCode::Unavailable, "terminal " + options_.host +
                                                 " refused the connection (" +
                                                 commandName(reply->command) + ")");
  }
  return {};
}

void ZkClient::disconnect() {
  if (!link_) {
    return;
  }
  const Packet exit{cmd::kExit, session_, nextReplyId(), {}};
  if (link_->send(exit)) {
    // Wait briefly for the ACK so the device frees the session before we close.
    (void)receiveFor(exit.reply_id, clock_.steadyNow() + std::chrono::milliseconds{500});
  }
  if (link_) {
    link_->close();
  }
  link_.reset();
}

void ZkClient::queueEvent(const Packet& packet) {
  // Acknowledge every event: FW then queues further events reliably (§6.5).
  if (link_) {
    (void)link_->send(Packet{reply::kAckOk, session_, 0, {}});
  }
  if (packet.session != event::kAttLog) {
    auto device_event = decodeDeviceEvent(packet.session, packet.data);
    if (device_event) {
      events_.emplace_back(std::move(device_event.value()));
    } else if (device_event.error().code != ErrorCode::NotFound) {
      ++malformed_events_;  // NotFound: a verification that succeeded, not an event
    }
    return;
  }
  auto punch = decodeAttendanceEvent(packet.data);
  if (!punch) {
    ++malformed_events_;
    return;
  }
  if (!punch->rejected) {
    events_.emplace_back(std::move(punch.value()));
  }
}

Result<Packet> ZkClient::receiveFor(std::uint16_t reply_id, Deadline deadline) {
  while (link_) {
    auto packet = link_->receive(deadline);
    if (!packet) {
      if (packet.error().code == ErrorCode::Unavailable) {
        link_.reset();
      }
      return packet.error();
    }
    if (packet->command == cmd::kRegEvent) {
      queueEvent(*packet);
      continue;
    }
    if (packet->reply_id == reply_id) {
      return packet;
    }
    // A late answer to an earlier request (e.g. after a retransmission): ignore it.
  }
  return notConnected();
}

Result<Packet> ZkClient::request(std::uint16_t command, Bytes data) {
  if (!link_) {
    return notConnected();
  }
  const Packet packet{command, session_, nextReplyId(), std::move(data)};
  const int attempts = options_.transport == ZkTransport::Udp ? 1 + options_.udp_retries : 1;
  Error last = notConnected();
  for (int attempt = 0; attempt < attempts && link_; ++attempt) {
    if (auto sent = link_->send(packet); !sent) {
      return sent.error();
    }
    auto reply = receiveFor(packet.reply_id, clock_.steadyNow() + options_.timeout);
    if (reply || reply.error().code != ErrorCode::DeadlineExceeded) {
      return reply;
    }
    last = reply.error();
  }
  return last;
}

Status ZkClient::expectOk(std::uint16_t command, Bytes data, std::string_view what) {
  auto reply = request(command, std::move(data));
  if (!reply) {
    return reply.error();
  }
  if (reply->command != reply::kAckOk) {
    return deviceError(what.empty() ? "command " + std::to_string(command) : std::string(what),
                       *reply);
  }
  return {};
}

Result<std::string> ZkClient::option(const std::string& name) {
  Bytes data(name.begin(), name.end());
  data.push_back(0);
  auto reply = request(cmd::kOptionsRrq, std::move(data));
  if (!reply) {
    return reply.error();
  }
  if (reply->command != reply::kAckOk) {
    return makeError(ErrorCode::NotFound, "terminal does not know option " + name);
  }
  return parseOptionReply(reply->data, name);
}

Result<DeviceInfo> ZkClient::deviceInfo() {
  DeviceInfo info;
  auto serial = option("~SerialNumber");
  if (!serial) {
    return serial.error();
  }
  info.serial = *serial;
  info.name = option("~DeviceName").valueOr("");
  info.platform = option("~Platform").valueOr("");
  info.mac = option("MAC").valueOr("");
  info.fp_version = option("~ZKFPVersion").valueOr("");
  info.face_version = option("ZKFaceVersion").valueOr("");
  auto version = request(cmd::kGetVersion);
  if (!version) {
    return version.error();
  }
  info.firmware = readFixedString(version->data, 0, version->data.size());
  return info;
}

Result<FreeSizes> ZkClient::freeSizes() {
  auto reply = request(cmd::kGetFreeSizes);
  if (!reply) {
    return reply.error();
  }
  if (reply->command != reply::kAckOk) {
    return deviceError("free sizes", *reply);
  }
  return decodeFreeSizes(reply->data);
}

Result<LocalSeconds> ZkClient::time() {
  auto reply = request(cmd::kGetTime);
  if (!reply) {
    return reply.error();
  }
  if (reply->command != reply::kAckOk || reply->data.size() < 4) {
    return deviceError("get time", *reply);
  }
  return decodePackedTime(readU32(reply->data, 0));
}

Status ZkClient::setTime(LocalSeconds time) {
  Bytes data;
  appendU32(data, encodePackedTime(time));
  if (auto status = expectOk(cmd::kSetTime, std::move(data), "set time"); !status) {
    return status;
  }
  return refreshData();
}

Result<Bytes> ZkClient::readChunk(std::uint32_t start, std::uint32_t size) {
  const int attempts = options_.transport == ZkTransport::Udp ? 1 + options_.udp_retries : 1;
  Error last = notConnected();
  const Packet packet{cmd::kReadBuffer, session_, nextReplyId(), encodeRange({start, size})};
  for (int attempt = 0; attempt < attempts && link_; ++attempt) {
    if (auto sent = link_->send(packet); !sent) {
      return sent.error();
    }
    ChunkReceiver receiver(size);
    while (receiver.state() == ChunkReceiver::State::Waiting ||
           receiver.state() == ChunkReceiver::State::Receiving) {
      auto reply = receiveFor(packet.reply_id, clock_.steadyNow() + options_.timeout);
      if (!reply) {
        last = reply.error();
        break;
      }
      receiver.feed(*reply);
    }
    if (receiver.state() == ChunkReceiver::State::Done) {
      return receiver.takeData();
    }
    if (receiver.state() == ChunkReceiver::State::Failed) {
      return makeError(ErrorCode::InvalidInput,
                       "bulk read at offset " + std::to_string(start) + ": " + receiver.error());
    }
    if (last.code != ErrorCode::DeadlineExceeded) {
      break;
    }
  }
  return last;
}

Status ZkClient::readTable(const BufferQuery& query, RecordStream& stream) {
  (void)request(cmd::kFreeData);  // as node-zklib: start from a clean buffer
  auto reply = request(cmd::kPrepareBuffer, encodeBufferQuery(query));
  if (!reply) {
    return reply.error();
  }
  Status result;
  if (reply->command == cmd::kData) {
    result = stream.feed(reply->data);  // small table: answered inline
  } else if (reply->command == reply::kAckOk || reply->command == cmd::kPrepareData) {
    auto descriptor = decodeBufferDescriptor(reply->data);
    if (!descriptor) {
      return descriptor.error();
    }
    for (std::uint32_t offset = 0; offset < descriptor->size && result;) {
      const std::uint32_t size = std::min(chunkSize(), descriptor->size - offset);
      auto chunk = readChunk(offset, size);
      if (!chunk) {
        result = chunk.error();
        break;
      }
      result = stream.feed(*chunk);
      offset += size;
    }
  } else if (reply->command == reply::kAckError) {
    result = stream.feed(Bytes{0, 0, 0, 0});  // FW answers ACK_ERROR for an empty table (§4.2)
  } else {
    result = deviceError("bulk read", *reply);
  }
  (void)request(cmd::kFreeData);
  if (!result) {
    return result;
  }
  return stream.finish();
}

Result<std::uint64_t> ZkClient::readAttendance(
    const std::function<void(const AttendanceRecord&)>& sink) {
  if (options_.disable_during_reads) {
    (void)disableDevice();
  }
  auto sizes = freeSizes();
  Status status = sizes ? Status{} : Status{sizes.error()};
  std::uint64_t records = 0;
  if (status) {
    RecordStream stream(RecordKind::Attendance, 0, sizes->records);
    stream.onAttendance(sink);
    status = readTable({cmd::kAttLogRrq, 0, 0}, stream);
    records = stream.records();
  }
  if (options_.disable_during_reads && link_ && !held_disabled_) {
    (void)enableDevice();
  }
  if (!status) {
    return status.error();
  }
  return records;
}

Result<std::uint64_t> ZkClient::readUsers(const std::function<void(const UserRecord&)>& sink) {
  auto sizes = freeSizes();
  if (!sizes) {
    return sizes.error();
  }
  RecordStream stream(RecordKind::User, 0, sizes->users);
  stream.onUser(sink);
  if (auto status = readTable({cmd::kUserTempRrq, fct::kUser, 0}, stream); !status) {
    return status.error();
  }
  return stream.records();
}

Result<std::uint64_t> ZkClient::readTemplates(
    const std::function<void(const TemplateRecord&)>& sink) {
  RecordStream stream(RecordKind::Template, 0);
  stream.onTemplate(sink);
  if (auto status = readTable({cmd::kDbRrq, fct::kFingerTmp, 0}, stream); !status) {
    return status.error();
  }
  return stream.records();
}

Status ZkClient::writeUser(const UserRecord& user) {
  Bytes data;
  encodeUser(user, UserFormat::Record72, data);
  if (auto status = expectOk(cmd::kUserWrq, std::move(data), "user " + user.user_id); !status) {
    return status;
  }
  return refreshData();
}

Status ZkClient::upload(const Bytes& buffer) {
  (void)request(cmd::kFreeData);
  Bytes size;
  appendU32(size, static_cast<std::uint32_t>(buffer.size()));
  if (auto status = expectOk(cmd::kPrepareData, std::move(size), "upload"); !status) {
    return status;
  }
  // Consecutive reply ids, ≤ 1024 bytes each (§4.7): the device checks both.
  for (std::size_t offset = 0; offset < buffer.size(); offset += kUploadPacket) {
    const std::size_t n = std::min(kUploadPacket, buffer.size() - offset);
    Bytes part(buffer.begin() + static_cast<std::ptrdiff_t>(offset),
               buffer.begin() + static_cast<std::ptrdiff_t>(offset + n));
    if (auto status = expectOk(cmd::kData, std::move(part), "upload data"); !status) {
      return status;
    }
  }
  return {};
}

Status ZkClient::writeUserWithTemplates(const UserRecord& user,
                                        const std::vector<TemplateRecord>& templates) {
  std::vector<TemplateRecord> owned = templates;
  for (auto& tmpl : owned) {
    tmpl.uid = user.uid;
  }
  if (auto status = upload(encodeBatchUpload({user}, owned, UserFormat::Record72)); !status) {
    return status;
  }
  // Subtype 12 = apply the uploaded batch of users and templates (§4.8).
  const Bytes save{0x0c, 0, 0, 0, 0, 0, 0x08, 0};
  auto saved = expectOk(cmd::kSaveUserTemps, save, "user " + user.user_id + " with templates");
  (void)request(cmd::kFreeData);
  if (!saved) {
    return saved;
  }
  return refreshData();
}

Status ZkClient::deleteUser(std::uint16_t uid) {
  Bytes data;
  appendU16(data, uid);
  if (auto status =
          expectOk(cmd::kDeleteUser, std::move(data), "delete of uid " + std::to_string(uid));
      !status) {
    return status;
  }
  return refreshData();
}

Status ZkClient::deleteTemplate(std::uint16_t uid, std::uint8_t finger) {
  Bytes data;
  appendU16(data, uid);
  data.push_back(finger);
  if (auto status = expectOk(cmd::kDeleteUserTemp, std::move(data), "template delete"); !status) {
    return status;
  }
  return refreshData();
}

Status ZkClient::clearAttendance() { return expectOk(cmd::kClearAttLog, {}, "clear attendance"); }

Status ZkClient::unlock(std::chrono::seconds duration) {
  Bytes data;
  appendU32(data, static_cast<std::uint32_t>(duration.count() * 10));  // tenths of a second
  return expectOk(cmd::kUnlock, std::move(data), "unlock");
}

Status ZkClient::restart() {
  auto status = expectOk(cmd::kRestart, {}, "restart");
  if (link_) {
    link_->close();  // the device closes the session as it reboots
  }
  link_.reset();
  return status;
}

Status ZkClient::enableDevice() { return expectOk(cmd::kEnableDevice, {}, "enable"); }

Status ZkClient::disableDevice() { return expectOk(cmd::kDisableDevice, {}, "disable"); }

Status ZkClient::holdDisabled() {
  if (auto disabled = disableDevice(); !disabled) {
    return disabled;
  }
  held_disabled_ = true;
  return {};
}

Status ZkClient::releaseDisabled() {
  held_disabled_ = false;
  return enableDevice();
}

Status ZkClient::refreshData() { return expectOk(cmd::kRefreshData, {}, "refresh"); }

Status ZkClient::registerEvents() {
  Bytes mask;
  appendU32(mask, event::kAttLog | event::kUnlock | event::kVerify | event::kAlarm);
  return expectOk(cmd::kRegEvent, std::move(mask), "event registration");
}

Result<std::optional<RealtimePunch>> ZkClient::nextPunch(Deadline deadline) {
  while (true) {
    auto next = nextEvent(deadline);
    if (!next) {
      return next.error();
    }
    if (!next->has_value()) {
      return std::optional<RealtimePunch>{};
    }
    if (auto* punch = std::get_if<RealtimePunch>(&**next)) {
      return std::optional<RealtimePunch>(std::move(*punch));
    }
  }
}

Result<std::optional<RealtimeEvent>> ZkClient::nextEvent(Deadline deadline) {
  while (events_.empty()) {
    if (!link_) {
      return notConnected();
    }
    auto packet = link_->receive(deadline);
    if (!packet) {
      if (packet.error().code == ErrorCode::DeadlineExceeded) {
        return std::optional<RealtimeEvent>{};
      }
      link_.reset();
      return packet.error();
    }
    if (packet->command == cmd::kRegEvent) {
      queueEvent(*packet);
    }
  }
  RealtimeEvent next = std::move(events_.front());
  events_.pop_front();
  return std::optional<RealtimeEvent>(std::move(next));
}

std::uint64_t ZkClient::malformedPackets() const {
  return malformed_events_ + (link_ ? link_->malformedCount() : 0);
}

}  // namespace punchlink::agent::zk_net
