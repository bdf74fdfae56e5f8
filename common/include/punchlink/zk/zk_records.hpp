// Payload formats of the ZK binary protocol: packed time, attendance/user/template records,
// free sizes, real-time events (punches and device events), comm-key proof, bulk-transfer
// descriptors and option strings (reference §3.3, §4, §5, §6). Pure functions; decoders return
// errors for short or nonsense input and never read out of bounds.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>
#include <punchlink/zk/zk_packet.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::zk {

// --- time (§5.5) -------------------------------------------------------------------------------

// Packs a device-local time; the format treats every month as 31 days. Years 2000..2099 + .
std::uint32_t encodePackedTime(LocalSeconds time);
// Unpacks; fails for values that name an impossible date (e.g. Feb 31), which garbage produces.
Result<LocalSeconds> decodePackedTime(std::uint32_t packed);

// The 6-byte [Y-2000][M][D][h][m][s] form of real-time events.
void appendEventTime(Bytes& out, LocalSeconds time);
Result<LocalSeconds> decodeEventTime(ByteView bytes, std::size_t offset);

// --- attendance (§5.1) -------------------------------------------------------------------------

enum class AttendanceFormat { Record40 = 40, Record16 = 16, Record8 = 8 };

struct AttendanceRecord {
  std::uint16_t uid = 0;    // device-internal user index (0 when the format lacks it)
  std::string user_id;      // enrolment number as shown on the device
  std::uint8_t verify = 0;  // verify method (§7)
  std::uint8_t state = 0;   // punch state: 0 in, 1 out, 2 break-out, 3 break-in, 4/5 overtime
  LocalSeconds time{};      // device-local wall-clock time
  std::uint32_t workcode = 0;

  friend bool operator==(const AttendanceRecord&, const AttendanceRecord&) = default;
};

void encodeAttendance(const AttendanceRecord& record, AttendanceFormat format, Bytes& out);
Result<AttendanceRecord> decodeAttendance(ByteView bytes, AttendanceFormat format);

// --- users (§5.2) ------------------------------------------------------------------------------

enum class UserFormat { Record72 = 72, Record28 = 28 };

struct UserRecord {
  std::uint16_t uid = 0;
  std::uint8_t privilege = 0;  // bit 0 disabled; 0 user, 2 enroller, 6 manager, 14 admin
  std::string password;
  std::string name;
  std::uint32_t card = 0;
  std::uint8_t group = 1;
  std::string user_id;

  friend bool operator==(const UserRecord&, const UserRecord&) = default;
};

void encodeUser(const UserRecord& user, UserFormat format, Bytes& out);
Result<UserRecord> decodeUser(ByteView bytes, UserFormat format);

// --- templates (§5.3) --------------------------------------------------------------------------

struct TemplateRecord {
  std::uint16_t uid = 0;
  std::uint8_t finger = 0;  // 0..9
  std::uint8_t valid = 1;   // 1 valid, 3 duress, 0 invalid
  Bytes data;

  friend bool operator==(const TemplateRecord&, const TemplateRecord&) = default;
};

constexpr std::size_t kMaxTemplateSize = 16 * 1024;

void encodeTemplate(const TemplateRecord& record, Bytes& out);
// Decodes one record at the start of `bytes`; `consumed` is its length.
Result<TemplateRecord> decodeTemplate(ByteView bytes, std::size_t& consumed);

// --- free sizes (§5.4) -------------------------------------------------------------------------

struct FreeSizes {
  std::uint32_t users = 0;
  std::uint32_t fingers = 0;
  std::uint32_t records = 0;
  std::uint32_t oplog = 0;
  std::uint32_t admins = 0;
  std::uint32_t passwords = 0;
  std::uint32_t fingers_capacity = 0;
  std::uint32_t users_capacity = 0;
  std::uint32_t records_capacity = 0;
  std::optional<std::uint32_t> faces;
  std::optional<std::uint32_t> faces_capacity;

  friend bool operator==(const FreeSizes&, const FreeSizes&) = default;
};

// 92 bytes when faces are set, else 80.
Bytes encodeFreeSizes(const FreeSizes& sizes);
Result<FreeSizes> decodeFreeSizes(ByteView bytes);

// --- real-time events (§6) ---------------------------------------------------------------------

struct RealtimePunch {
  std::string user_id;               // from the string forms; the number for 12-byte events
  std::optional<std::uint16_t> uid;  // only the 10/14-byte forms carry the internal index
  std::uint8_t verify = 0;
  std::uint8_t state = 0;  // bit 7 cleared; see `rejected`
  bool rejected = false;   // FW sets state bit 7 for refused punches (§6.3)
  LocalSeconds time{};
  std::uint32_t workcode = 0;
};

// Chooses the layout by payload length (10, 12, 14, 32, 36, 37, ≥52).
Result<RealtimePunch> decodeAttendanceEvent(ByteView payload);
// 36-byte FW form (TCP) or the 10-byte form (UDP, what NODE/ZKT accept there).
Bytes encodeAttendanceEvent36(const AttendanceRecord& record);
Bytes encodeAttendanceEvent10(const AttendanceRecord& record);

// --- device events: door, alarm, denied access (§6.1) -----------------------------------------

enum class DeviceEventKind {
  Unlock,        // EF_UNLOCK: the door was unlocked
  VerifyFailed,  // EF_VERIFY with uid 0xFFFFFFFF: someone was not identified (access denied)
  Tamper,        // EF_ALARM 4 bytes, 0x37 (55): the terminal was taken off the wall
  ExitButton,    // EF_ALARM 4 bytes, 0x35 (53): the exit button was pressed
  Misoperation,  // EF_ALARM 4 bytes, 0x3A (58): too many failed verifications in a row
  DoorOpened,    // EF_ALARM 8 bytes, FW's door sensor (0x36) open or forced open (state 4 or 1)
  DoorClosed,    // EF_ALARM 8 bytes: the door sensor reports the door closed
  Duress,        // EF_ALARM 12 bytes, alarm type 0x20 (32): a user verified under duress
  OtherAlarm,    // any other EF_ALARM (anti-passback 0x22, door opened or forced, unknown codes)
};

struct DeviceEvent {
  DeviceEventKind kind = DeviceEventKind::OtherAlarm;
  std::uint16_t flag = 0;  // the EF_* flag (packet session field) it came with
  // The raw alarm type: EF_ALARM's first byte (4 and 8-byte forms) or the user alarm's type
  // (12-byte form, 32 for duress); 0 for EF_UNLOCK and EF_VERIFY.
  std::uint32_t code = 0;
  // The user's uid (internal index) for duress and other user alarms; unset otherwise, also for
  // VerifyFailed (its 0xFFFFFFFF means "nobody").
  std::optional<std::uint32_t> uid;

  friend bool operator==(const DeviceEvent&, const DeviceEvent&) = default;
};

// Longest device-event payload accepted: FW queues at most 1024 bytes of events per session
// (§1.7); anything longer is not an event.
constexpr std::size_t kMaxDeviceEventPayload = 1024;

// EF_ALARM codes of the 4 and 8-byte forms (§6.1; FW main.c sends them as a u32).
constexpr std::uint32_t kAlarmExitButton = 0x35;
constexpr std::uint32_t kAlarmDoorSensor = 0x36;  // 8-byte form: [0x36 u32][sensor state u32]
constexpr std::uint32_t kAlarmTamper = 0x37;
constexpr std::uint32_t kAlarmMisoperation = 0x3A;
// Alarm types of the 12-byte user-alarm form.
constexpr std::uint32_t kAlarmDuress = 0x20;
constexpr std::uint32_t kAlarmAntiPassback = 0x22;

// Decodes the payload of an event packet whose session field is `flag` (§6.2). Never throws.
// - EF_UNLOCK (32): any payload up to kMaxDeviceEventPayload → Unlock (no layout is known).
// - EF_VERIFY (128): [uid u32] + an optional 0x01 byte (4 or 5 bytes). uid 0xFFFFFFFF →
//   VerifyFailed. A real uid is a successful verification, not a device event: the error is
//   ErrorCode::NotFound (ignore it); every other failure is ErrorCode::InvalidInput.
// - EF_ALARM (512), by length:
//   4: first byte 0x37 Tamper, 0x35 ExitButton, 0x3A Misoperation, anything else OtherAlarm;
//   8: [object u32][state u32]. FW sends object 54 (0x36, door sensor) with state 1 forced
//      open, 4 open or 5 closed; ZKP's capture shows a first byte 0x54. States 1 and 4 of the
//      door sensor give DoorOpened, anything else DoorClosed; code is the first byte;
//   12 (16: FW's anti-passback sends 4 stray bytes more): [ff ff ff ff][type u16][uid u16]
//      [match type u32]; type 0x20 → Duress, anything else OtherAlarm; code = type, uid set.
// Errors (InvalidInput): another flag, a length no layout has, a user alarm without ff ff.
Result<DeviceEvent> decodeDeviceEvent(std::uint16_t flag, ByteView payload);

// The payload firmware sends for `event` (emulator, round trips); the flag that goes in the
// packet's session field is deviceEventFlag(event.kind). The kind decides the form:
// Unlock: empty. VerifyFailed: ff ff ff ff 01. Tamper, ExitButton, Misoperation: [their code
// u32]. DoorClosed: [code u32][5 u32] (set code to kAlarmDoorSensor for FW's form). Duress:
// [ff ff ff ff][0x20 u16][uid u16][0 u32]. OtherAlarm: that 12-byte form with `code` as the type
// when uid is set, else [code u32]. A uid above 0xFFFF is cut to the firmware's 16 bits.
// decodeDeviceEvent(deviceEventFlag(e.kind), encodeDeviceEvent(e)) == e for every event
// decodeDeviceEvent returns.
Bytes encodeDeviceEvent(const DeviceEvent& event);

// EF_UNLOCK, EF_VERIFY or EF_ALARM.
std::uint16_t deviceEventFlag(DeviceEventKind kind) noexcept;

// "unlock", "verify_failed", "tamper", "exit_button", "misoperation", "door_closed", "duress",
// "other_alarm": for logs and test output.
std::string_view deviceEventKindName(DeviceEventKind kind) noexcept;

// --- comm key (§3.3) ---------------------------------------------------------------------------

std::array<std::uint8_t, 4> makeCommKey(std::uint32_t key,
                                        std::uint16_t session,
                                        std::uint8_t ticks = 50);
bool checkCommKey(ByteView proof, std::uint32_t key, std::uint16_t session);

// --- bulk transfers (§4) -----------------------------------------------------------------------

// 1503 request: [compress u8][command u16][param1 u32][param2 u32].
struct BufferQuery {
  std::uint16_t command = 0;  // 13 attendance, 9 users, 7 DB read
  std::uint32_t param1 = 0;   // 5 for users, 2 for templates
  std::uint32_t param2 = 0;
};

Bytes encodeBufferQuery(const BufferQuery& query);
Result<BufferQuery> decodeBufferQuery(ByteView bytes);

// The 13-byte ACK_OK descriptor answering 1503 when the buffer is larger than one packet.
struct BufferDescriptor {
  std::uint32_t size = 0;  // bytes to fetch, including the leading u32 total
  std::uint32_t hash = 0;
};

Bytes encodeBufferDescriptor(const BufferDescriptor& descriptor);
Result<BufferDescriptor> decodeBufferDescriptor(ByteView bytes);

// 1504 request and PREPARE_DATA answer: two u32.
struct Range {
  std::uint32_t first = 0;   // 1504: start offset; PREPARE_DATA: size
  std::uint32_t second = 0;  // 1504: size; PREPARE_DATA: psize (bytes per CMD_DATA)
};

Bytes encodeRange(const Range& range);
Result<Range> decodeRange(ByteView bytes);

// FW's PJW hash of a buffer (§4.2); clients ignore it, the emulator reports it.
std::uint32_t bufferHash(ByteView bytes) noexcept;

// --- options (§5.6) ----------------------------------------------------------------------------

// "name=value\0" → value, if the reply names `name`.
Result<std::string> parseOptionReply(ByteView data, std::string_view name);

}  // namespace punchlink::zk
