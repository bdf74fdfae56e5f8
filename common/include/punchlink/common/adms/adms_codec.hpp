// The ZKTeco ADMS / iclock HTTP push protocol as text in, text out (shared/reference/adms-push.md):
// request query strings and paths, the handshake option block, ATTLOG/OPERLOG/BIODATA upload
// bodies, INFO, the command channel and command results. Sans-I/O: no sockets, no clock, no
// threads. Every function is pure and safe from any thread; parsers take untrusted bytes and
// never throw, crash or read out of bounds, and every error names the line, field and problem.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace punchlink::adms {

// --- limits --------------------------------------------------------------------------------------

// Serials are alphanumeric (§1); real ones are 13-15 characters.
constexpr std::size_t kMaxSerialLength = 64;
// A user id as terminals store it (24 bytes in the firmware's user table).
constexpr std::size_t kMaxPinLength = 24;
// S2: command ids are at most 16 letters and digits (§4.2).
constexpr std::size_t kMaxCommandIdLength = 16;
// S1/S5: at most 200 commands per getrequest reply (§4.2).
constexpr std::size_t kMaxCommandsPerReply = 200;
// Longest query string accepted; a real INFO poll is ~100 bytes.
constexpr std::size_t kMaxQueryLength = 8 * 1024;
// An ATTLOG line is ~50 bytes; extension columns (base64 GPS JSON) stay well below this.
constexpr std::size_t kMaxAttlogLineLength = 8 * 1024;
// OPERLOG/BIODATA lines carry base64 templates and photos (USERPIC, BIOPHOTO).
constexpr std::size_t kMaxOperlogLineLength = 1024 * 1024;
// Text fields in commands (names, option values); templates have their own limit.
constexpr std::size_t kMaxCommandFieldLength = 1024;
constexpr std::size_t kMaxTemplateLength = 256 * 1024;
// Parsers keep this many line errors and count the rest, so a garbage body cannot turn into an
// unbounded error list.
constexpr std::size_t kMaxLineErrors = 100;

// --- shared types --------------------------------------------------------------------------------

struct Field {
  std::string key;
  std::string value;

  friend bool operator==(const Field&, const Field&) = default;
};

// A line of a body that could not be used. Good lines around it are still returned.
struct LineError {
  std::size_t line = 0;  // 1-based, counting every LF-terminated line including blank ones
  std::string reason;    // what was wrong, quoting (escaped, truncated) the offending text

  friend bool operator==(const LineError&, const LineError&) = default;
};

// "line 3: reason".
std::string toString(const LineError& error);

// True for 1..kMaxSerialLength letters, digits, '-' or '_'. S3 says serials are alphanumeric;
// '-' and '_' are accepted because they are harmless in topics and file names, and refusing a
// real terminal would cost its punches.
bool isValidSerial(std::string_view serial) noexcept;

// --- requests (§1, §1.1, §2) ---------------------------------------------------------------------

enum class Endpoint {
  Cdata,       // handshake (GET), uploads (POST), time (type=time)
  GetRequest,  // heartbeat + command poll (+ INFO)
  DeviceCmd,   // command results
  Ping,
  Registry,  // Security PUSH 3.x
  Push,
  QueryData,
  Exchange,  // key exchange; punchlink does not encrypt (§2.2)
  File,
  RtData,
  Fdata,
  Unknown,
};

// Maps "/iclock/<name>[.aspx|.php][/]" (query part ignored, case-insensitive) to its endpoint.
Endpoint classifyPath(std::string_view path) noexcept;
std::string_view endpointName(Endpoint endpoint) noexcept;

// RFC 3986 percent-decoding. '+' stays '+': terminals escape spaces as %20 (§4.1) and are not HTML
// forms. Errors: a '%' not followed by two hex digits.
Result<std::string> percentDecode(std::string_view text);

// Splits "a=1&b=2" (a leading '?' is skipped, empty pieces ignored, a piece without '=' has an
// empty value) and percent-decodes names and values. Errors: query longer than kMaxQueryLength,
// bad percent escapes, control bytes (NUL, CR, LF…) in a decoded name or value.
Result<std::vector<Field>> parseQueryString(std::string_view query);

// The parameters every iclock request may carry, looked up case-insensitively (devices send
// "SN=", community servers see "sn=" too; §1). Absent text parameters are empty strings;
// `params` keeps every parameter, decoded, in order.
struct IclockQuery {
  std::string serial;                  // SN (required, isValidSerial)
  std::string table;                   // table: ATTLOG, OPERLOG, BIODATA, options, rtlog…
  std::string stamp;                   // Stamp
  std::string op_stamp;                // OpStamp (PUSH 1.0)
  std::string photo_stamp;             // PhotoStamp (PUSH 1.0)
  std::string options;                 // options ("all" on the handshake)
  std::string push_version;            // pushver
  std::string language;                // language id (§2: 69 English, 83 zh-CN, 101 observed…)
  std::string device_type;             // DeviceType: att, pid, ins, acc
  bool push_options_flag = false;      // PushOptionsFlag=1
  std::string type;                    // type: time, publickey, factors, tabledata…
  std::string info;                    // INFO, decoded (see parseDeviceInfo)
  std::string table_name;              // tablename (3.x)
  std::string cmd_id;                  // CmdId on DATA QUERY answers (§3.3)
  std::optional<std::uint32_t> count;  // Count
  std::optional<std::uint32_t> pack_count;  // PackCnt
  std::optional<std::uint32_t> pack_index;  // PackIdx
  std::string comm_key;                     // ComKey (IsPushComKey=1, §7)
  std::vector<Field> params;

  // The first parameter named `name` (case-insensitive), or nullptr.
  const std::string* find(std::string_view name) const noexcept;

  friend bool operator==(const IclockQuery&, const IclockQuery&) = default;
};

// Errors: those of parseQueryString; missing or invalid SN; a known parameter given twice with
// different values (two layers must never disagree on which serial a request belongs to);
// Count/PackCnt/PackIdx not a number.
Result<IclockQuery> parseIclockQuery(std::string_view query);

// --- handshake reply (§2, §6, §8.1) --------------------------------------------------------------

enum class TimeZoneUnit {
  // Always minutes (480, -300, 330): what S5 sends and the field reports recommend (§8.1).
  Minutes,
  // S2's rule: whole hours below 12 as hours ("8"), anything else as minutes; firmware reads
  // |x| < 12 as hours, so UTC+12..+14 must go as minutes.
  HoursWhenWhole,
};

// What the server tells a terminal on GET /iclock/cdata?options=all. Defaults follow S2's example.
struct HandshakeOptions {
  // Per-table resume markers: the Stamp the device sent with its last accepted POST; "None" or
  // "0" re-uploads everything, "9999" skips old data.
  std::string attlog_stamp = "None";
  std::string operlog_stamp = "None";
  std::string attphoto_stamp = "None";
  std::string biodata_stamp;  // BIODATAStamp, omitted when empty
  // Also send the PUSH 1.0 names Stamp/OpStamp/PhotoStamp (S5 and many servers send both).
  bool legacy_stamps = false;
  int error_delay = 30;  // seconds before retrying a failed request, 1..3600
  int delay = 10;        // seconds between getrequest polls, 1..3600
  std::vector<std::string> trans_times = {"00:00", "14:05"};  // HH:MM, at most 10
  int trans_interval = 1;  // minutes between checks for new data, 0..1440
  // TransFlag tags (sent as "TransData " + TAB-joined tags); letters and digits only.
  std::vector<std::string> trans_flag = {"AttLog",  "OpLog",    "AttPhoto", "EnrollUser",
                                         "ChgUser", "EnrollFP", "ChgFP",    "UserPic"};
  // Offset of the server's zone from UTC in force now (the device pairs it with the Date header).
  std::chrono::minutes time_zone{0};
  TimeZoneUnit time_zone_unit = TimeZoneUnit::Minutes;
  bool realtime = true;
  std::string server_version;  // ServerVer, omitted when empty
  // PushProtVer, omitted when empty. Must stay below 2.4.0: higher lets the device negotiate
  // encryption (§2.2), which punchlink does not implement.
  std::string push_protocol_version;
  bool push_options = false;  // PushOptionsFlag=1: ask the device to POST table=options
  std::vector<Field> extra;   // more Key=Value lines (e.g. SupportPing=1), appended in order
};

// "GET OPTION FROM: <SN>\n" then one "Key=Value\n" per option; Encrypt is always "None".
// Errors: invalid serial, values out of range, stamps/extra values with control bytes, extra keys
// that are not [A-Za-z0-9_~]+ or repeat a built-in key.
Result<std::string> buildHandshakeReply(std::string_view serial, const HandshakeOptions& options);

// The reply to a table upload: "OK:<n>". §8.5: a bare "OK" made OPERLOG batches resend.
std::string uploadReply(std::size_t accepted);

// --- ATTLOG uploads (§3.1) -----------------------------------------------------------------------

struct AttendanceRecord {
  std::string pin;
  LocalSeconds time{};   // device-local wall clock, no zone (§6)
  int status = 0;        // punch state 0..255 (0 in, 1 out, 2/3 break, 4/5 overtime; opaque)
  int verify = 0;        // verify mode 0..255 (App. A: 1 fingerprint, 15 face, 4 card…)
  std::string workcode;  // empty when absent
  std::vector<std::string> extra;  // columns 6.. as sent: reserved, MaskFlag, Temperature…

  friend bool operator==(const AttendanceRecord&, const AttendanceRecord&) = default;
};

struct AttlogBatch {
  std::vector<AttendanceRecord> records;
  std::vector<LineError> errors;  // at most kMaxLineErrors
  std::size_t errors_omitted = 0;
};

// One record per line: PIN, time, status, verify, then optional workcode and extra columns.
// TAB-separated (empty columns kept, spaces around fields trimmed); a line without TABs is split
// on spaces, its date and time tokens rejoined. Accepts CRLF, blank lines, a leading UTF-8 BOM,
// 'T' between date and time, and a date and time in two TAB columns. A line is an error when it
// has fewer than 4 columns, a bad PIN (empty, longer than kMaxPinLength), a bad time, status or
// verify outside 0..255, control bytes other than TAB, or exceeds kMaxAttlogLineLength.
AttlogBatch parseAttlog(std::string_view body);

// Device side (emulator, round-trip tests): "PIN\tYYYY-MM-DD HH:MM:SS\tstatus\tverify\tworkcode"
// followed by "\t" + each extra column, and "\n". Fields are written as given.
std::string encodeAttlog(std::span<const AttendanceRecord> records);

// ATTLOG extension columns: extra[] holds columns 6.., and the S6 terminal sends MaskFlag in
// column 8 and Temperature in column 9 ("Observed [wire S6]", §3.1). Values are as sent: the
// temperature's unit is the device's (IRTempUnitTrans: 0 °C, 1 °F; §2), decided by the caller.
struct AttlogBiometrics {
  std::optional<bool> mask;           // MaskFlag: "1" true, "0" false; nullopt otherwise
  std::optional<double> temperature;  // nullopt when absent, empty, unparseable or out of range

  friend bool operator==(const AttlogBiometrics&, const AttlogBiometrics&) = default;
};

// A body temperature outside this range, in °C or °F, is not a reading (terminals without a
// sensor send 0 or 255).
constexpr double kMinTemperature = 20.0;
constexpr double kMaxTemperature = 120.0;

AttlogBiometrics attlogBiometrics(const AttendanceRecord& record);

// Device side: writes columns 8 and 9 ("1"/"0" or empty; the shortest text that reads back as
// the same double, "36.6" for 36.6, or empty), padding columns 6 and 7 with "0" as firmware does
// when the record has fewer columns. Does nothing when both are unset.
void setAttlogBiometrics(AttendanceRecord& record, const AttlogBiometrics& biometrics);

// --- Security PUSH real-time uploads: table=rtlog, table=rtstate (§3.4) --------------------------

// Which upload a `table=` names, case-insensitively; Other for everything else (ATTPHOTO,
// ERRORLOG, IDCARD, tabledata…).
enum class UploadTable { Attlog, Operlog, BioData, Options, RtLog, RtState, Other };

UploadTable classifyTable(std::string_view table) noexcept;
std::string_view uploadTableName(UploadTable table) noexcept;  // "ATTLOG", "rtlog"…, "other"

// One real-time access event: "time=\tpin=\tcardno=\tsitecode=\tlinkid=\teventaddr=\tevent=\t
// inoutstatus=\tverifytype=\tindex=\tmaskflag=\ttemperature=\tconvtemperature=".
struct RtLogEntry {
  LocalSeconds time{};  // device-local wall clock, no zone (§6)
  std::string pin;      // empty for events without a person (door sensor, exit button)
  std::string card;     // cardno, as sent
  int door = 0;         // eventaddr: the door (1..), 0 when absent
  // event: 0-19 and 200-253 normal (0 opened after verification, 8 remote open, 200 door opened,
  // 201 door closed, 202 exit button), 20-99 errors (23 access denied, 27 unregistered person),
  // 100-199 alarms (100 tamper, 101 duress, 102 forced open), 4000-6999 extended (§3.4).
  int event = 0;
  int in_out = 0;                     // inoutstatus: 0 in, 1 out
  int verify = 0;                     // verifytype (App. A verify modes; 200 other)
  std::string index;                  // the device's record id, as sent
  std::optional<bool> mask;           // maskflag, as for ATTLOG
  std::optional<double> temperature;  // temperature, as for ATTLOG (convtemperature is ignored)

  friend bool operator==(const RtLogEntry&, const RtLogEntry&) = default;
};

struct RtLogBatch {
  std::vector<RtLogEntry> entries;
  std::vector<LineError> errors;  // at most kMaxLineErrors
  std::size_t errors_omitted = 0;
};

// Rtlog event codes named above.
namespace rtlog {
constexpr int kOpenedAfterVerify = 0;
constexpr int kRemoteOpen = 8;
constexpr int kAccessDenied = 23;
constexpr int kUnregisteredPerson = 27;
constexpr int kTamper = 100;
constexpr int kDuressOpen = 101;
constexpr int kForcedOpen = 102;
constexpr int kDoorOpened = 200;
constexpr int kDoorClosed = 201;
constexpr int kExitButton = 202;
}  // namespace rtlog

// One event per line; key=value fields separated by TABs, keys case-insensitive and in any order,
// unknown keys (sitecode, linkid, convtemperature…) ignored. A leading word without '=' ("rtlog ")
// is skipped. Accepts CRLF, blank lines and a UTF-8 BOM. A line is an error when time is missing
// or bad, event is missing, a number is bad (event 0..65535, eventaddr/inoutstatus/verifytype
// 0..255; empty means 0), pin is longer than kMaxPinLength, a key repeats or a field has no '=',
// it has control bytes other than TAB, or it exceeds kMaxAttlogLineLength. maskflag and
// temperature never make a line an error: unusable values are nullopt.
RtLogBatch parseRtLog(std::string_view body);

// Device side: the field order above, "\n" after each line; maskflag/temperature empty when
// unset, sitecode, linkid and convtemperature empty. Fields are written as given.
std::string encodeRtLog(std::span<const RtLogEntry> entries);

// Door and alarm states: "time=\tsensor=AABB\trelay=CC\talarm=DDEEFFGGHHIIJJKK". Fields are hex
// bytes in the order sent, kept as text; doorState() reads one door out of them.
struct RtStateEntry {
  LocalSeconds time{};
  std::string sensor;  // 2 bits per door, door 1 in the low bits of the first byte
  std::string relay;   // 1 bit per door (lock relay), door 1 in bit 0 of the first byte
  std::string alarm;   // 1 byte per door, door 1 first

  friend bool operator==(const RtStateEntry&, const RtStateEntry&) = default;
};

struct RtStateBatch {
  std::vector<RtStateEntry> entries;
  std::vector<LineError> errors;  // at most kMaxLineErrors
  std::size_t errors_omitted = 0;
};

// The door sensor's 2 bits. S3 gives only the field layout; the values are those of ZKTeco's
// access-control servers (0 no sensor, 1 closed, 2 open); 3 is not assigned.
enum class DoorSensor { None = 0, Closed = 1, Open = 2, Unknown = 3 };

// Alarm bits of a door's byte (same source as DoorSensor).
namespace door_alarm {
constexpr std::uint8_t kForcedOpen = 0x01;
constexpr std::uint8_t kTamper = 0x02;
constexpr std::uint8_t kDuressPassword = 0x04;
constexpr std::uint8_t kDuressFingerprint = 0x08;
constexpr std::uint8_t kDoorSensor = 0x10;  // door left open too long
}  // namespace door_alarm

struct DoorState {
  DoorSensor sensor = DoorSensor::None;
  bool relay_open = false;  // the lock relay is energised (door unlocked)
  std::uint8_t alarm = 0;   // door_alarm bits

  friend bool operator==(const DoorState&, const DoorState&) = default;
};

// Door `door` (1-based) of `entry`. A field too short to cover the door reads as "nothing"
// (no sensor, relay closed, no alarm). nullopt when door < 1, when no field covers it, or when a
// field is not hex (parseRtState never returns such entries).
std::optional<DoorState> doorState(const RtStateEntry& entry, int door);

// Device side: the fields for doors 1..doors.size(), at least as wide as the reference's example
// (sensor 2 bytes, relay 1, alarm 8), upper-case hex.
RtStateEntry makeRtState(LocalSeconds time, std::span<const DoorState> doors);

// One state per line, key=value as parseRtLog. A line is an error when time is missing or bad, a
// sensor/relay/alarm value is not an even number of hex digits or longer than 64, a key repeats,
// a field has no '=', or it has control bytes other than TAB.
RtStateBatch parseRtState(std::string_view body);

// Device side: "time=…\tsensor=…\trelay=…\talarm=…\n" per entry.
std::string encodeRtState(std::span<const RtStateEntry> entries);

// --- OPERLOG / BIODATA uploads (§3.2, §3.3) ------------------------------------------------------

// "OPLOG <op>\t<operator>\t<time>\t<obj1>\t<obj2>\t<obj3>\t<obj4>" (App. A op codes).
struct OpLogEntry {
  int op = 0;         // 0..65535
  std::string admin;  // operator: admin PIN, "0" for none
  LocalSeconds time{};
  std::vector<std::string> objects;  // object1..4 as sent (PIN, FID, alarm code…)

  friend bool operator==(const OpLogEntry&, const OpLogEntry&) = default;
};

// "USER PIN=\tName=\tPri=\tPasswd=\tCard=\tGrp=\tTZ=\tVerify=\tViceCard=\tStartDatetime=\t…".
// Numeric fields are nullopt when absent or empty (Verify -1 or empty means group mode).
struct UserEntry {
  std::string pin;
  std::string name;              // raw bytes: GB2312 or UTF-8 by device language (§1)
  std::optional<int> privilege;  // Pri: 0 user, 2 enroller, 6 admin, 14 super admin
  std::string password;          // Passwd
  std::string card;              // decimal or "[15CD5B07]"
  std::optional<int> group;      // Grp
  std::string time_zone;         // TZ
  std::optional<int> verify;     // Verify
  std::string vice_card;         // ViceCard
  std::string start_datetime;    // StartDatetime ("0" = none)
  std::string end_datetime;      // EndDatetime

  friend bool operator==(const UserEntry&, const UserEntry&) = default;
};

enum class TemplateKind { Fingerprint, Face, FingerVein };

// "FP PIN=\tFID=\tSize=\tValid=\tTMP=", "FACE PIN=\tFID=\tValid=\tSize=\tTMP=",
// "FVEIN Pin=\tFID=\tIndex=\tValid=\tSize=\tTmp=".
struct TemplateEntry {
  TemplateKind kind = TemplateKind::Fingerprint;
  std::string pin;
  int fid = 0;                      // finger 0..9 (faces 0..)
  std::optional<int> index;         // FVEIN only
  int valid = 1;                    // 1 normal, 3 duress, 0 invalid; 1 when absent
  std::optional<std::size_t> size;  // Size as sent (should be the base64 length)
  std::string tmp;                  // base64

  friend bool operator==(const TemplateEntry&, const TemplateEntry&) = default;
};

// "BIODATA Pin=\tNo=\tIndex=\tValid=\tDuress=\tType=\tMajorVer=\tMinorVer=\tFormat=\tTmp=".
struct BioDataEntry {
  std::string pin;
  int type = 0;    // App. A: 1 fingerprint, 2 NIR face, 9 visible-light face…
  int no = 0;      // finger 0..9, face 0; 0 when absent
  int index = 0;   // 0 when absent
  int valid = 1;   // 1 when absent
  int duress = 0;  // 0 when absent
  std::string major_version;
  std::string minor_version;
  std::string format;  // "0" ZK, "1" ISO, "2" ANSI; "ZK" seen too
  std::string tmp;     // base64

  friend bool operator==(const BioDataEntry&, const BioDataEntry&) = default;
};

// Any other tagged line (USERPIC, BIOPHOTO, ERRORLOG, IDCARD, future tags): key=value fields as
// sent; a field without '=' has an empty key.
struct OtherEntry {
  std::string tag;
  std::vector<Field> fields;

  friend bool operator==(const OtherEntry&, const OtherEntry&) = default;
};

using OperlogEntry = std::variant<OpLogEntry, UserEntry, TemplateEntry, BioDataEntry, OtherEntry>;

struct OperlogBatch {
  std::vector<OperlogEntry> entries;
  std::vector<LineError> errors;  // at most kMaxLineErrors
  std::size_t errors_omitted = 0;
};

// Parses table=OPERLOG and table=BIODATA bodies (a POST may mix tags, §3.2). Each line is a tag
// ([A-Z0-9_]+), one SPACE (a TAB is tolerated) and TAB-separated fields; keys match
// case-insensitively (S1 spells "PIN" and "Pin" by record type). CRLF and blank lines accepted.
// A line is an error when the tag is malformed, a required key is missing (OPLOG: 3 columns;
// USER/FP/FACE/FVEIN/BIODATA: PIN; templates: FID/Type and TMP), a key repeats, a number or time
// is bad, a PIN is too long, TMP is not base64, it has control bytes other than TAB, or it exceeds
// kMaxOperlogLineLength.
OperlogBatch parseOperlog(std::string_view body);

// Device side (emulator, round-trip tests): "OPLOG <op>\t<operator>\t<time>\t<obj1>\t…" and "\n"
// per entry, fields as given (App. A: op 3 alarm with object1 50 door closed, 51 opened, 53 exit
// button, 54 forced, 55 tamper, 58 invalid verify; 2 verify fail; 29 unlock; 32 duress).
std::string encodeOpLog(std::span<const OpLogEntry> entries);

// --- INFO (§4.1) ---------------------------------------------------------------------------------

// getrequest INFO=: firmware, users, fingerprints, attendance records, IP, FP algorithm, face
// algorithm, faces per enrolment, enrolled faces, feature bits, cards, user photos, attendance
// photos. Older firmware sends 9 fields; absent or empty numbers are nullopt.
struct DeviceInfo {
  std::string firmware;
  std::optional<std::uint32_t> users;
  std::optional<std::uint32_t> fingerprints;
  std::optional<std::uint32_t> attendance_records;
  std::string ip;
  std::string fingerprint_algorithm;  // "10"
  std::string face_algorithm;         // "58"
  std::optional<std::uint32_t> faces_per_enrolment;
  std::optional<std::uint32_t> faces;
  std::string features;  // bits: FP, face, user photo, comparison photo, visible-light template
  std::optional<std::uint32_t> cards;
  std::optional<std::uint32_t> user_photos;
  std::optional<std::uint32_t> attendance_photos;

  friend bool operator==(const DeviceInfo&, const DeviceInfo&) = default;
};

// `info` is the decoded INFO value (IclockQuery::info). Errors: fewer than 4 fields, a count that
// is not a number, control bytes.
Result<DeviceInfo> parseDeviceInfo(std::string_view info);

// --- commands (§4.2, §4.3) -----------------------------------------------------------------------

// DATA UPDATE USERINFO: only the fields that are set are sent (only PIN is required). Members
// have initializers so designated initializers can name just the fields to change.
struct UpdateUser {
  std::string pin{};
  std::optional<std::string> name{};
  std::optional<int> privilege{};  // Pri 0..255
  std::optional<std::string> password{};
  std::optional<std::string> card{};       // decimal digits or "[XXXXXXXX]" (formatCardHex)
  std::optional<int> group{};              // Grp 0..255
  std::optional<std::string> time_zone{};  // TZ: 16 hex digits, e.g. "0000000100000000"
  std::optional<int> verify{};             // Verify -1..255 (-1 = group mode)

  friend bool operator==(const UpdateUser&, const UpdateUser&) = default;
};

struct DeleteUser {  // DATA DELETE USERINFO: user, templates and photos
  std::string pin;

  friend bool operator==(const DeleteUser&, const DeleteUser&) = default;
};

struct UpdateFingerprint {  // DATA UPDATE FINGERTMP; Size is the base64 length of tmp
  std::string pin;
  int fid = 0;    // 0..9
  int valid = 1;  // 0 invalid, 1 normal, 3 duress
  std::string tmp;

  friend bool operator==(const UpdateFingerprint&, const UpdateFingerprint&) = default;
};

struct DeleteFingerprint {  // DATA DELETE FINGERTMP; all fingers when fid is unset
  std::string pin;
  std::optional<int> fid;

  friend bool operator==(const DeleteFingerprint&, const DeleteFingerprint&) = default;
};

struct QueryAttlog {  // DATA QUERY ATTLOG; rows come back as ATTLOG POSTs with CmdId (§8.7)
  LocalSeconds start{};
  LocalSeconds end{};

  friend bool operator==(const QueryAttlog&, const QueryAttlog&) = default;
};

struct QueryUsers {  // DATA QUERY USERINFO; rows come back as OPERLOG USER lines
  std::optional<std::string> pin;

  friend bool operator==(const QueryUsers&, const QueryUsers&) = default;
};

struct SetOption {  // SET OPTION <Key>=<Value>: one key per command
  std::string key;
  std::string value;

  friend bool operator==(const SetOption&, const SetOption&) = default;
};

// CONTROL DEVICE 01 <door> 01 <seconds> (Security PUSH output control, §4.3): opens a door lock.
struct UnlockDoor {
  int door = 1;     // 1..16, 0 = all doors
  int seconds = 5;  // 1..254

  friend bool operator==(const UnlockDoor&, const UnlockDoor&) = default;
};

struct AcUnlock {  // AC_UNLOCK: the attendance-firmware relay command (S1 marks it deprecated)
  friend bool operator==(const AcUnlock&, const AcUnlock&) = default;
};

struct Reboot {  // must be the last command of a batch (§4.2)
  friend bool operator==(const Reboot&, const Reboot&) = default;
};

struct CheckData {  // CHECK: re-read server options, re-upload per stamps
  friend bool operator==(const CheckData&, const CheckData&) = default;
};

struct QueryInfo {  // INFO: the result carries every option (§5)
  friend bool operator==(const QueryInfo&, const QueryInfo&) = default;
};

struct ClearLog {  // CLEAR LOG: wipes the attendance log, keeps users
  friend bool operator==(const ClearLog&, const ClearLog&) = default;
};

using Command = std::variant<UpdateUser,
                             DeleteUser,
                             UpdateFingerprint,
                             DeleteFingerprint,
                             QueryAttlog,
                             QueryUsers,
                             SetOption,
                             UnlockDoor,
                             AcUnlock,
                             Reboot,
                             CheckData,
                             QueryInfo,
                             ClearLog>;

struct QueuedCommand {
  std::string id;  // 1..kMaxCommandIdLength letters and digits, unique per device
  Command command;

  friend bool operator==(const QueuedCommand&, const QueuedCommand&) = default;
};

// "C:<id>:<desc>" without a line end, e.g. "C:287:DATA DELETE USERINFO PIN=100". Fields are
// TAB-separated after one SPACE (a SPACE is not a separator to the device, §8.6). Errors: bad id;
// a PIN that is empty, longer than kMaxPinLength or has spaces/control bytes; values with TAB,
// CR, LF or other control bytes or longer than kMaxCommandFieldLength; numbers out of range; a
// card, TZ or template in the wrong form; an option key that is not [A-Za-z0-9_~]+; end < start.
Result<std::string> encodeCommand(std::string_view id, const Command& command);

// The getrequest reply: "OK" when nothing is queued, else one command per line, each ending in
// LF. Errors: those of encodeCommand (naming the id), more than kMaxCommandsPerReply commands,
// duplicate ids, REBOOT anywhere but last (the device ignores what follows it, §4.2).
Result<std::string> buildCommandReply(std::span<const QueuedCommand> commands);

// Device side (emulator, round-trip tests): parses one "C:<id>:<desc>" line written by
// encodeCommand. Errors: no "C:<id>:" prefix, an unknown command, fields that do not fit it.
Result<QueuedCommand> parseCommandLine(std::string_view line);

// The S1 hex card form: the 4 bytes little-endian, "%02X" each, in brackets (123456789 →
// "[15CD5B07]").
std::string formatCardHex(std::uint32_t card);

// --- command results (§5) ------------------------------------------------------------------------

struct CommandResult {
  std::string id;
  std::int64_t return_code = 0;
  std::string cmd;            // command family echoed (DATA, INFO, SET OPTION…); may be empty
  std::vector<Field> fields;  // everything else: SN, AttlogSum…, INFO's Key=Value lines, Content
  std::size_t line = 0;       // where the result starts in the body

  friend bool operator==(const CommandResult&, const CommandResult&) = default;
};

struct CommandResultBatch {
  std::vector<CommandResult> results;
  std::vector<LineError> errors;  // at most kMaxLineErrors
  std::size_t errors_omitted = 0;
};

// Parses a POST /iclock/devicecmd body: "ID=<id>&Return=<code>&CMD=<cmd>" lines (keys
// case-insensitive), where following "Key=Value" lines without "ID=" belong to the result before
// (INFO). Also the one-field-per-line form of Shell/GetFile ("ID=\nReturn=\nCMD=\n…Content=");
// there "Content=" takes the rest of the body verbatim. A result is an error when ID is empty,
// Return is missing or not an integer; a line that belongs to no result is an error.
CommandResultBatch parseCommandResults(std::string_view body);

// Device side: "ID=<id>&Return=<code>&CMD=<cmd>" + "&key=value" for each field, "\n" each.
std::string encodeCommandResults(std::span<const CommandResult> results);

// True when the device reports success: Return >= 0 (S3: counts and sizes are successes), except
// ENROLL_* where only 0 is (positive codes are enrolment failures).
bool commandSucceeded(const CommandResult& result) noexcept;

// What a Return code means (§5 table), e.g. "PIN not on device" for -10. `cmd` selects the
// ENROLL_FP/ENROLL_BIO/ENROLL_MF meanings of positive codes.
std::string_view describeReturnCode(std::int64_t code, std::string_view cmd = {}) noexcept;

}  // namespace punchlink::adms
