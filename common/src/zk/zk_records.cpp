#include <punchlink/zk/zk_constants.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <date/date.h>

#include <algorithm>
#include <charconv>

namespace punchlink::zk {

namespace {

constexpr std::array<std::uint8_t, 4> kZkso = {0x5A, 0x4B, 0x53, 0x4F};  // "ZKSO"

Error tooShort(std::string_view what, std::size_t got, std::size_t need) {
  return makeError(ErrorCode::InvalidInput, std::string(what) + " needs " + std::to_string(need) +
                                                " bytes, got " + std::to_string(got));
}

struct Fields {
  int year;
  int month;
  int day;
  int hour;
  int minute;
  int second;
};

Fields fieldsOf(LocalSeconds time) {
  const auto days = date::floor<date::days>(time);
  const date::year_month_day ymd{days};
  const date::hh_mm_ss hms{time - days};
  return {static_cast<int>(ymd.year()),
          static_cast<int>(unsigned(ymd.month())),
          static_cast<int>(unsigned(ymd.day())),
          static_cast<int>(hms.hours().count()),
          static_cast<int>(hms.minutes().count()),
          static_cast<int>(hms.seconds().count())};
}

std::uint32_t reverseBits(std::uint32_t value) noexcept {
  std::uint32_t out = 0;
  for (int i = 0; i < 32; ++i) {
    out = (out << 1U) | (value & 1U);
    value >>= 1U;
  }
  return out;
}

// Steps 1-4 of §3.3: reversed key + session, XOR "ZKSO", halves swapped.
std::array<std::uint8_t, 4> commKeyBase(std::uint32_t key, std::uint16_t session) {
  const std::uint32_t k = reverseBits(key) + session;
  std::array<std::uint8_t, 4> b{};
  for (std::size_t i = 0; i < 4; ++i) {
    b[i] = static_cast<std::uint8_t>(((k >> (8 * i)) & 0xFFU) ^ kZkso[i]);
  }
  return {b[2], b[3], b[0], b[1]};
}

}  // namespace

std::uint32_t encodePackedTime(LocalSeconds time) {
  const Fields f = fieldsOf(time);
  const auto day_index =
      static_cast<std::uint32_t>(((f.year - 2000) * 12 * 31) + ((f.month - 1) * 31) + (f.day - 1));
  return day_index * 86400U + static_cast<std::uint32_t>(f.hour * 3600 + f.minute * 60 + f.second);
}

Result<LocalSeconds> decodePackedTime(std::uint32_t packed) {
  std::uint32_t t = packed;
  const int second = static_cast<int>(t % 60);
  t /= 60;
  const int minute = static_cast<int>(t % 60);
  t /= 60;
  const int hour = static_cast<int>(t % 24);
  t /= 24;
  const int day = static_cast<int>(t % 31) + 1;
  t /= 31;
  const int month = static_cast<int>(t % 12) + 1;
  t /= 12;
  const int year = static_cast<int>(t) + 2000;
  return makeLocalTime(year, month, day, hour, minute, second);
}

void appendEventTime(Bytes& out, LocalSeconds time) {
  const Fields f = fieldsOf(time);
  for (int value : {f.year - 2000, f.month, f.day, f.hour, f.minute, f.second}) {
    out.push_back(static_cast<std::uint8_t>(value));
  }
}

Result<LocalSeconds> decodeEventTime(ByteView bytes, std::size_t offset) {
  if (bytes.size() < offset + 6) {
    return tooShort("event time", bytes.size() - std::min(bytes.size(), offset), 6);
  }
  return makeLocalTime(2000 + bytes[offset], bytes[offset + 1], bytes[offset + 2],
                       bytes[offset + 3], bytes[offset + 4], bytes[offset + 5]);
}

void encodeAttendance(const AttendanceRecord& record, AttendanceFormat format, Bytes& out) {
  const std::size_t start = out.size();
  out.resize(start + static_cast<std::size_t>(format), 0);
  const std::uint32_t packed = encodePackedTime(record.time);
  switch (format) {
    case AttendanceFormat::Record40:
      putU16(out, start, record.uid);
      putFixedString(out, start + 2, 24, record.user_id);
      out[start + 26] = record.verify;
      putU32(out, start + 27, packed);
      out[start + 31] = record.state;
      putU32(out, start + 32, record.workcode);
      break;
    case AttendanceFormat::Record16: {
      std::uint32_t numeric = 0;
      std::from_chars(record.user_id.data(), record.user_id.data() + record.user_id.size(),
                      numeric);
      putU32(out, start, numeric);
      putU32(out, start + 4, packed);
      out[start + 8] = record.state;
      out[start + 9] = record.verify;
      putU32(out, start + 12, record.workcode);
      break;
    }
    case AttendanceFormat::Record8:
      putU16(out, start, record.uid);
      out[start + 2] = record.verify;
      putU32(out, start + 3, packed);
      out[start + 7] = record.state;
      break;
  }
}

Result<AttendanceRecord> decodeAttendance(ByteView bytes, AttendanceFormat format) {
  const auto size = static_cast<std::size_t>(format);
  if (bytes.size() < size) {
    return tooShort("attendance record", bytes.size(), size);
  }
  AttendanceRecord record;
  std::uint32_t packed = 0;
  switch (format) {
    case AttendanceFormat::Record40:
      record.uid = readU16(bytes, 0);
      record.user_id = readFixedString(bytes, 2, 24);
      record.verify = bytes[26];
      packed = readU32(bytes, 27);
      record.state = bytes[31];
      record.workcode = readU32(bytes, 32);
      break;
    case AttendanceFormat::Record16:
      record.user_id = std::to_string(readU32(bytes, 0));
      packed = readU32(bytes, 4);
      record.state = bytes[8];
      record.verify = bytes[9];
      record.workcode = readU32(bytes, 12);
      break;
    case AttendanceFormat::Record8:
      record.uid = readU16(bytes, 0);
      // The 8-byte form has no user id, only the internal index: the caller maps uid → user id.
      record.verify = bytes[2];
      packed = readU32(bytes, 3);
      record.state = bytes[7];
      break;
  }
  auto time = decodePackedTime(packed);
  if (!time) {
    return time.error();
  }
  record.time = *time;
  return record;
}

void encodeUser(const UserRecord& user, UserFormat format, Bytes& out) {
  const std::size_t start = out.size();
  out.resize(start + static_cast<std::size_t>(format), 0);
  putU16(out, start, user.uid);
  out[start + 2] = user.privilege;
  if (format == UserFormat::Record72) {
    putFixedString(out, start + 3, 8, user.password);
    putFixedString(out, start + 11, 24, user.name.substr(0, 23));
    putU32(out, start + 35, user.card);
    out[start + 39] = user.group;
    putFixedString(out, start + 48, 24, user.user_id);
  } else {
    putFixedString(out, start + 3, 5, user.password);
    putFixedString(out, start + 8, 8, user.name);
    putU32(out, start + 16, user.card);
    out[start + 21] = user.group;
    std::uint32_t numeric = 0;
    std::from_chars(user.user_id.data(), user.user_id.data() + user.user_id.size(), numeric);
    putU32(out, start + 24, numeric);
  }
}

Result<UserRecord> decodeUser(ByteView bytes, UserFormat format) {
  const auto size = static_cast<std::size_t>(format);
  if (bytes.size() < size) {
    return tooShort("user record", bytes.size(), size);
  }
  UserRecord user;
  user.uid = readU16(bytes, 0);
  user.privilege = bytes[2];
  if (format == UserFormat::Record72) {
    user.password = readFixedString(bytes, 3, 8);
    user.name = readFixedString(bytes, 11, 24);
    user.card = readU32(bytes, 35);
    user.group = bytes[39];
    user.user_id = readFixedString(bytes, 48, 24);
  } else {
    user.password = readFixedString(bytes, 3, 5);
    user.name = readFixedString(bytes, 8, 8);
    user.card = readU32(bytes, 16);
    user.group = bytes[21];
    user.user_id = std::to_string(readU32(bytes, 24));
  }
  return user;
}

void encodeTemplate(const TemplateRecord& record, Bytes& out) {
  appendU16(out, static_cast<std::uint16_t>(record.data.size() + 6));
  appendU16(out, record.uid);
  out.push_back(record.finger);
  out.push_back(record.valid);
  out.insert(out.end(), record.data.begin(), record.data.end());
}

Result<TemplateRecord> decodeTemplate(ByteView bytes, std::size_t& consumed) {
  if (bytes.size() < 6) {
    return tooShort("template record", bytes.size(), 6);
  }
  const std::uint16_t size = readU16(bytes, 0);
  if (size < 6 || size - 6U > kMaxTemplateSize) {
    return makeError(ErrorCode::InvalidInput,
                     "template record length " + std::to_string(size) + " is out of range");
  }
  if (bytes.size() < size) {
    return tooShort("template record", bytes.size(), size);
  }
  TemplateRecord record;
  record.uid = readU16(bytes, 2);
  record.finger = bytes[4];
  record.valid = bytes[5];
  if (record.finger > 9) {
    return makeError(ErrorCode::InvalidInput,
                     "template finger index " + std::to_string(record.finger) + " is not 0..9");
  }
  record.data.assign(bytes.begin() + 6, bytes.begin() + size);
  consumed = size;
  return record;
}

Bytes encodeFreeSizes(const FreeSizes& sizes) {
  Bytes out(sizes.faces ? 92 : 80, 0);
  putU32(out, 16, sizes.users);
  putU32(out, 24, sizes.fingers);
  putU32(out, 32, sizes.records);
  putU32(out, 40, sizes.oplog);
  putU32(out, 48, sizes.admins);
  putU32(out, 52, sizes.passwords);
  putU32(out, 56, sizes.fingers_capacity);
  putU32(out, 60, sizes.users_capacity);
  putU32(out, 64, sizes.records_capacity);
  putU32(out, 68, sizes.fingers_capacity - std::min(sizes.fingers, sizes.fingers_capacity));
  putU32(out, 72, sizes.users_capacity - std::min(sizes.users, sizes.users_capacity));
  putU32(out, 76, sizes.records_capacity - std::min(sizes.records, sizes.records_capacity));
  if (sizes.faces) {
    putU32(out, 80, *sizes.faces);
    putU32(out, 88, sizes.faces_capacity.value_or(0));
  }
  return out;
}

Result<FreeSizes> decodeFreeSizes(ByteView bytes) {
  if (bytes.size() < 80) {
    return tooShort("free sizes reply", bytes.size(), 80);
  }
  FreeSizes sizes;
  sizes.users = readU32(bytes, 16);
  sizes.fingers = readU32(bytes, 24);
  sizes.records = readU32(bytes, 32);
  sizes.oplog = readU32(bytes, 40);
  sizes.admins = readU32(bytes, 48);
  sizes.passwords = readU32(bytes, 52);
  sizes.fingers_capacity = readU32(bytes, 56);
  sizes.users_capacity = readU32(bytes, 60);
  sizes.records_capacity = readU32(bytes, 64);
  if (bytes.size() >= 92) {
    sizes.faces = readU32(bytes, 80);
    sizes.faces_capacity = readU32(bytes, 88);
  }
  return sizes;
}

Result<RealtimePunch> decodeAttendanceEvent(ByteView payload) {
  RealtimePunch punch;
  std::size_t time_offset = 0;
  switch (payload.size()) {
    case 10:
    case 14:
      punch.uid = readU16(payload, 0);
      punch.verify = payload[2];
      punch.state = payload[3];
      time_offset = 4;
      break;
    case 12:
      punch.user_id = std::to_string(readU32(payload, 0));
      punch.verify = payload[4];
      punch.state = payload[5];
      time_offset = 6;
      break;
    default:
      if (payload.size() != 32 && payload.size() != 36 && payload.size() != 37 &&
          payload.size() < 52) {
        return makeError(ErrorCode::InvalidInput,
                         "attendance event payload of " + std::to_string(payload.size()) +
                             " bytes matches no known layout (10, 12, 14, 32, 36, 37, 52+)");
      }
      punch.user_id = readFixedString(payload, 0, 24);
      punch.verify = payload[24];
      punch.state = payload[25];
      time_offset = 26;
      if (payload.size() >= 36) {
        punch.workcode = readU32(payload, 32);
      }
      break;
  }
  punch.rejected = (punch.state & 0x80U) != 0;
  punch.state = static_cast<std::uint8_t>(punch.state & 0x7FU);
  auto time = decodeEventTime(payload, time_offset);
  if (!time) {
    return time.error();
  }
  punch.time = *time;
  return punch;
}

Bytes encodeAttendanceEvent36(const AttendanceRecord& record) {
  Bytes out(24, 0);
  putFixedString(out, 0, 24, record.user_id);
  out.push_back(record.verify);
  out.push_back(record.state);
  appendEventTime(out, record.time);
  appendU32(out, record.workcode);
  return out;
}

Bytes encodeAttendanceEvent10(const AttendanceRecord& record) {
  Bytes out;
  appendU16(out, record.uid);
  out.push_back(record.verify);
  out.push_back(record.state);
  appendEventTime(out, record.time);
  return out;
}

namespace {

// FW's door sensor states in the second word of the 8-byte EF_ALARM form (exfun.h).
constexpr std::uint32_t kDoorSensorForced = 1;
constexpr std::uint32_t kDoorSensorOpen = 4;
constexpr std::uint32_t kDoorSensorClosed = 5;
constexpr std::uint32_t kNobody = 0xFFFFFFFFU;

Error notAnEvent(std::string what) { return makeError(ErrorCode::InvalidInput, std::move(what)); }

Result<DeviceEvent> decodeVerify(std::uint16_t flag, ByteView payload) {
  // FW sends [uid u32] from its card path and [uid u32][01] from its fingerprint path (ZKP).
  if (payload.size() != 4 && payload.size() != 5) {
    return notAnEvent("EF_VERIFY payload of " + std::to_string(payload.size()) +
                      " bytes matches no known layout (4 or 5)");
  }
  const std::uint32_t uid = readU32(payload, 0);
  if (uid != kNobody) {
    return makeError(ErrorCode::NotFound,
                     "EF_VERIFY for uid " + std::to_string(uid) +
                         " is a successful verification, not a device event",
                     "ignore it: the punch that follows arrives as EF_ATTLOG");
  }
  return DeviceEvent{DeviceEventKind::VerifyFailed, flag, 0, std::nullopt};
}

Result<DeviceEvent> decodeAlarm(std::uint16_t flag, ByteView payload) {
  DeviceEvent event{DeviceEventKind::OtherAlarm, flag, 0, std::nullopt};
  switch (payload.size()) {
    case 4:
      event.code = payload[0];
      switch (event.code) {
        case kAlarmTamper:
          event.kind = DeviceEventKind::Tamper;
          break;
        case kAlarmExitButton:
          event.kind = DeviceEventKind::ExitButton;
          break;
        case kAlarmMisoperation:
          event.kind = DeviceEventKind::Misoperation;
          break;
        default:
          break;
      }
      return event;
    case 8: {
      event.code = payload[0];
      const std::uint32_t state = readU32(payload, 4);
      const bool open = event.code == kAlarmDoorSensor &&
                        (state == kDoorSensorOpen || state == kDoorSensorForced);
      event.kind = open ? DeviceEventKind::DoorOpened : DeviceEventKind::DoorClosed;
      return event;
    }
    case 12:
    case 16:
      // FW main.c TriggerDuress: d[0] = 0xFFFFFFFF, d[1] = type | uid << 16, d[2] = verify
      // method. The reference names only the leading ff ff, so only those are required.
      if (payload[0] != 0xFF || payload[1] != 0xFF) {
        return notAnEvent("EF_ALARM user alarm of " + std::to_string(payload.size()) +
                          " bytes does not start with ff ff");
      }
      event.code = readU16(payload, 4);
      event.uid = readU16(payload, 6);
      event.kind =
          event.code == kAlarmDuress ? DeviceEventKind::Duress : DeviceEventKind::OtherAlarm;
      return event;
    default:
      return notAnEvent("EF_ALARM payload of " + std::to_string(payload.size()) +
                        " bytes matches no known layout (4, 8, 12, 16)");
  }
}

void appendUserAlarm(Bytes& out, std::uint32_t type, std::uint32_t uid) {
  appendU32(out, kNobody);
  appendU16(out, static_cast<std::uint16_t>(type));
  appendU16(out, static_cast<std::uint16_t>(uid));
  appendU32(out, 0);  // match type (verify method): not kept in DeviceEvent
}

}  // namespace

Result<DeviceEvent> decodeDeviceEvent(std::uint16_t flag, ByteView payload) {
  if (payload.size() > kMaxDeviceEventPayload) {
    return notAnEvent("device event payload of " + std::to_string(payload.size()) +
                      " bytes is longer than " + std::to_string(kMaxDeviceEventPayload));
  }
  switch (flag) {
    case event::kUnlock:
      return DeviceEvent{DeviceEventKind::Unlock, flag, 0, std::nullopt};
    case event::kVerify:
      return decodeVerify(flag, payload);
    case event::kAlarm:
      return decodeAlarm(flag, payload);
    default:
      return notAnEvent("event flag " + std::to_string(flag) +
                        " is not a device event (EF_UNLOCK 32, EF_VERIFY 128, EF_ALARM 512)");
  }
}

Bytes encodeDeviceEvent(const DeviceEvent& event) {
  Bytes out;
  switch (event.kind) {
    case DeviceEventKind::Unlock:
      break;
    case DeviceEventKind::VerifyFailed:
      appendU32(out, kNobody);
      out.push_back(1);
      break;
    case DeviceEventKind::Tamper:
      appendU32(out, kAlarmTamper);
      break;
    case DeviceEventKind::ExitButton:
      appendU32(out, kAlarmExitButton);
      break;
    case DeviceEventKind::Misoperation:
      appendU32(out, kAlarmMisoperation);
      break;
    case DeviceEventKind::DoorOpened:
      appendU32(out, kAlarmDoorSensor);
      appendU32(out, kDoorSensorOpen);
      break;
    case DeviceEventKind::DoorClosed:
      appendU32(out, event.code);
      appendU32(out, kDoorSensorClosed);
      break;
    case DeviceEventKind::Duress:
      appendUserAlarm(out, kAlarmDuress, event.uid.value_or(0));
      break;
    case DeviceEventKind::OtherAlarm:
      if (event.uid) {
        appendUserAlarm(out, event.code, *event.uid);
      } else {
        appendU32(out, event.code);
      }
      break;
  }
  return out;
}

std::uint16_t deviceEventFlag(DeviceEventKind kind) noexcept {
  switch (kind) {
    case DeviceEventKind::Unlock:
      return static_cast<std::uint16_t>(event::kUnlock);
    case DeviceEventKind::VerifyFailed:
      return static_cast<std::uint16_t>(event::kVerify);
    default:
      return static_cast<std::uint16_t>(event::kAlarm);
  }
}

std::string_view deviceEventKindName(DeviceEventKind kind) noexcept {
  switch (kind) {
    case DeviceEventKind::Unlock:
      return "unlock";
    case DeviceEventKind::VerifyFailed:
      return "verify_failed";
    case DeviceEventKind::Tamper:
      return "tamper";
    case DeviceEventKind::ExitButton:
      return "exit_button";
    case DeviceEventKind::Misoperation:
      return "misoperation";
    case DeviceEventKind::DoorOpened:
      return "door_opened";
    case DeviceEventKind::DoorClosed:
      return "door_closed";
    case DeviceEventKind::Duress:
      return "duress";
    case DeviceEventKind::OtherAlarm:
      return "other_alarm";
  }
  return "other_alarm";
}

std::array<std::uint8_t, 4> makeCommKey(std::uint32_t key,
                                        std::uint16_t session,
                                        std::uint8_t ticks) {
  const auto b = commKeyBase(key, session);
  return {static_cast<std::uint8_t>(b[0] ^ ticks), static_cast<std::uint8_t>(b[1] ^ ticks), ticks,
          static_cast<std::uint8_t>(b[3] ^ ticks)};
}

bool checkCommKey(ByteView proof, std::uint32_t key, std::uint16_t session) {
  if (proof.size() < 4) {
    return false;
  }
  const std::uint8_t ticks = proof[2];
  const auto b = commKeyBase(key, session);
  return (proof[0] ^ ticks) == b[0] && (proof[1] ^ ticks) == b[1] && (proof[3] ^ ticks) == b[3];
}

Bytes encodeBufferQuery(const BufferQuery& query) {
  Bytes out{1};
  appendU16(out, query.command);
  appendU32(out, query.param1);
  appendU32(out, query.param2);
  return out;
}

Result<BufferQuery> decodeBufferQuery(ByteView bytes) {
  if (bytes.size() < 11) {
    return tooShort("buffer query (1503)", bytes.size(), 11);
  }
  return BufferQuery{readU16(bytes, 1), readU32(bytes, 3), readU32(bytes, 7)};
}

Bytes encodeBufferDescriptor(const BufferDescriptor& descriptor) {
  Bytes out{0};
  appendU32(out, descriptor.size);
  appendU32(out, descriptor.size);
  appendU32(out, descriptor.hash);
  return out;
}

Result<BufferDescriptor> decodeBufferDescriptor(ByteView bytes) {
  if (bytes.size() < 5) {
    return tooShort("buffer descriptor", bytes.size(), 5);
  }
  BufferDescriptor descriptor;
  descriptor.size = readU32(bytes, 1);
  if (bytes.size() >= 13) {
    descriptor.hash = readU32(bytes, 9);
  }
  return descriptor;
}

Bytes encodeRange(const Range& range) {
  Bytes out;
  appendU32(out, range.first);
  appendU32(out, range.second);
  return out;
}

Result<Range> decodeRange(ByteView bytes) {
  if (bytes.size() < 8) {
    return tooShort("range", bytes.size(), 8);
  }
  return Range{readU32(bytes, 0), readU32(bytes, 4)};
}

std::uint32_t bufferHash(ByteView bytes) noexcept {
  std::uint32_t h = 0;
  for (std::uint8_t byte : bytes) {
    h = (h << 4U) + byte;
    if (const std::uint32_t t = h & 0xF0000000U; t != 0) {
      h ^= t >> 24U;
      h ^= t;
    }
  }
  return h % 16711679U;
}

Result<std::string> parseOptionReply(ByteView data, std::string_view name) {
  const std::string text = readFixedString(data, 0, data.size());
  const auto equals = text.find('=');
  if (equals == std::string::npos) {
    return makeError(ErrorCode::InvalidInput,
                     "option reply \"" + text.substr(0, 40) + "\" has no '='");
  }
  if (std::string_view(text).substr(0, equals) != name) {
    return makeError(ErrorCode::InvalidInput, "option reply names \"" + text.substr(0, equals) +
                                                  "\", expected \"" + std::string(name) + "\"");
  }
  return text.substr(equals + 1);
}

}  // namespace punchlink::zk
