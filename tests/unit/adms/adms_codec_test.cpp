// The ADMS codec against the wire examples of shared/reference/adms-push.md (§2, §3, §4, §5),
// plus malformed input: every bad line must give a clear error, never a crash or a lost good line.
#include <punchlink/common/adms/adms_codec.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace punchlink::adms {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

LocalSeconds localTime(int y, int mo, int d, int h, int mi, int s) {
  return makeLocalTime(y, mo, d, h, mi, s).value();
}

template <typename T>
const T& as(const OperlogEntry& entry) {
  EXPECT_TRUE(std::holds_alternative<T>(entry));
  static const T kEmpty{};
  const T* value = std::get_if<T>(&entry);
  return value != nullptr ? *value : kEmpty;
}

template <typename T>
std::string errorOf(const Result<T>& result) {
  return result.ok() ? "" : result.error().toString();
}

// --- §1.1 paths
// ------------------------------------------------------------------------------------

TEST(AdmsPath, ClassifiesIclockEndpoints) {
  EXPECT_EQ(classifyPath("/iclock/cdata"), Endpoint::Cdata);
  EXPECT_EQ(classifyPath("/iclock/cdata?SN=1&options=all"), Endpoint::Cdata);
  EXPECT_EQ(classifyPath("/iclock/cdata.aspx"), Endpoint::Cdata);
  EXPECT_EQ(classifyPath("/iclock/cdata.php"), Endpoint::Cdata);
  EXPECT_EQ(classifyPath("/iclock/getrequest"), Endpoint::GetRequest);
  EXPECT_EQ(classifyPath("/iclock/getrequest.aspx?SN=1"), Endpoint::GetRequest);
  EXPECT_EQ(classifyPath("/iclock/devicecmd"), Endpoint::DeviceCmd);
  EXPECT_EQ(classifyPath("/iclock/ping/"), Endpoint::Ping);
  EXPECT_EQ(classifyPath("/ICLOCK/CDATA"), Endpoint::Cdata);
  EXPECT_EQ(classifyPath("/iclock/registry"), Endpoint::Registry);
  EXPECT_EQ(classifyPath("/iclock/querydata"), Endpoint::QueryData);
  EXPECT_EQ(classifyPath("/iclock/fdata"), Endpoint::Fdata);
  EXPECT_EQ(classifyPath("/iclock/"), Endpoint::Unknown);
  EXPECT_EQ(classifyPath("/iclock/cdata/extra"), Endpoint::Unknown);
  EXPECT_EQ(classifyPath("/cdata"), Endpoint::Unknown);
  EXPECT_EQ(classifyPath(""), Endpoint::Unknown);
  EXPECT_EQ(endpointName(Endpoint::GetRequest), "getrequest");
}

// --- §2 / §3 / §4 query strings ----------------------------------------------------------------

TEST(AdmsQuery, HandshakeRequestFromReference) {
  // §2: GET /iclock/cdata?SN=CKJF202560310&options=all&language=101&pushver=2.4.1&DeviceType=att&
  // PushOptionsFlag=1
  const auto query = parseIclockQuery(
      "SN=CKJF202560310&options=all&language=101&pushver=2.4.1&DeviceType=att&PushOptionsFlag=1");
  ASSERT_TRUE(query.ok()) << errorOf(query);
  EXPECT_EQ(query->serial, "CKJF202560310");
  EXPECT_EQ(query->options, "all");
  EXPECT_EQ(query->language, "101");
  EXPECT_EQ(query->push_version, "2.4.1");
  EXPECT_EQ(query->device_type, "att");
  EXPECT_TRUE(query->push_options_flag);
  EXPECT_TRUE(query->table.empty());
  EXPECT_EQ(query->params.size(), 6U);
  ASSERT_NE(query->find("pushver"), nullptr);
  EXPECT_EQ(*query->find("PUSHVER"), "2.4.1");
  EXPECT_EQ(query->find("absent"), nullptr);
}

TEST(AdmsQuery, UploadAndQueryAnswerParameters) {
  const auto upload = parseIclockQuery("?SN=CKJF202560310&table=ATTLOG&Stamp=9999");
  ASSERT_TRUE(upload.ok()) << errorOf(upload);
  EXPECT_EQ(upload->table, "ATTLOG");
  EXPECT_EQ(upload->stamp, "9999");
  EXPECT_FALSE(upload->count.has_value());

  // §3.3: the answer to DATA QUERY ATTLOG.
  const auto answer = parseIclockQuery(
      "SN=CKJF202560310&table=ATTLOG&Stamp=9999&Count=18&PackCnt=1&PackIdx=1&CmdId=1630");
  ASSERT_TRUE(answer.ok()) << errorOf(answer);
  EXPECT_EQ(answer->count, 18U);
  EXPECT_EQ(answer->pack_count, 1U);
  EXPECT_EQ(answer->pack_index, 1U);
  EXPECT_EQ(answer->cmd_id, "1630");

  const auto legacy = parseIclockQuery("SN=A1&Stamp=1&OpStamp=2&PhotoStamp=3&type=time");
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->op_stamp, "2");
  EXPECT_EQ(legacy->photo_stamp, "3");
  EXPECT_EQ(legacy->type, "time");
}

TEST(AdmsQuery, NamesAreCaseInsensitiveAndValuesDecoded) {
  const auto query = parseIclockQuery("sn=ABC123&INFO=Ver%206.60%20Apr%2028%202017,1,2,3&x=a+b");
  ASSERT_TRUE(query.ok()) << errorOf(query);
  EXPECT_EQ(query->serial, "ABC123");
  EXPECT_EQ(query->info, "Ver 6.60 Apr 28 2017,1,2,3");
  // '+' is not a space outside HTML forms.
  EXPECT_EQ(*query->find("x"), "a+b");
  // Repeating a parameter with the same value is harmless.
  EXPECT_TRUE(parseIclockQuery("SN=A&SN=A").ok());
  // Empty pieces and valueless names are tolerated.
  const auto loose = parseIclockQuery("&&SN=A&flag&");
  ASSERT_TRUE(loose.ok());
  EXPECT_EQ(*loose->find("flag"), "");
}

TEST(AdmsQuery, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(errorOf(parseIclockQuery("table=ATTLOG")),
            "query has no SN parameter (every iclock request carries SN=<serial>)");
  EXPECT_EQ(errorOf(parseIclockQuery("SN=")),
            "SN \"\" is not a serial (expected 1..64 letters, digits, '-' or '_')");
  EXPECT_EQ(errorOf(parseIclockQuery("SN=../etc")),
            "SN \"../etc\" is not a serial (expected 1..64 letters, digits, '-' or '_')");
  EXPECT_EQ(errorOf(parseIclockQuery("SN=A&sn=B")),
            "query parameter SN given twice with different values \"A\" and \"B\"");
  EXPECT_EQ(errorOf(parseIclockQuery("SN=A&Stamp=%G1")),
            "query parameter 2 \"Stamp\": bad percent escape \"%G1\" at column 1 ('%' must be "
            "followed by two hex digits)");
  EXPECT_EQ(errorOf(parseIclockQuery("SN=A&Stamp=9%2")),
            "query parameter 2 \"Stamp\": bad percent escape \"%2\" at column 2 ('%' must be "
            "followed by two hex digits)");
  EXPECT_EQ(errorOf(parseIclockQuery("SN=A%00B")),
            "query parameter \"SN\" contains control byte 0x00 at column 2 (names and values "
            "must be printable once percent-decoded)");
  EXPECT_EQ(errorOf(parseIclockQuery("SN=A&Count=-1")),
            "query parameter Count \"-1\" is not a count");
  EXPECT_EQ(errorOf(parseIclockQuery("SN=A&PackIdx=99999999999")),
            "query parameter PackIdx \"99999999999\" is not a count");
  const std::string huge = "SN=A&x=" + std::string(kMaxQueryLength, 'a');
  EXPECT_EQ(errorOf(parseIclockQuery(huge)), "query string is 8199 bytes, more than 8192");
}

TEST(AdmsQuery, PercentDecode) {
  EXPECT_EQ(percentDecode("a%20b%2Fc%2f").value(), "a b/c/");
  EXPECT_EQ(percentDecode("").value(), "");
  EXPECT_FALSE(percentDecode("%").ok());
  EXPECT_FALSE(percentDecode("%x0").ok());
}

TEST(AdmsSerial, Validation) {
  EXPECT_TRUE(isValidSerial("CKJF202560310"));
  EXPECT_TRUE(isValidSerial("0316144680030"));
  EXPECT_TRUE(isValidSerial("A-1_b"));
  EXPECT_FALSE(isValidSerial(""));
  EXPECT_FALSE(isValidSerial("a b"));
  EXPECT_FALSE(isValidSerial("a/b"));
  EXPECT_FALSE(isValidSerial(std::string(kMaxSerialLength + 1, 'A')));
}

// --- §4.1 INFO -----------------------------------------------------------------------------------

TEST(AdmsInfo, ReferenceExample) {
  const auto info = parseDeviceInfo("ZAM170-NF-Ver1.3.5,3,2,13,192.168.1.201,10,58,12,2,11110");
  ASSERT_TRUE(info.ok()) << errorOf(info);
  EXPECT_EQ(info->firmware, "ZAM170-NF-Ver1.3.5");
  EXPECT_EQ(info->users, 3U);
  EXPECT_EQ(info->fingerprints, 2U);
  EXPECT_EQ(info->attendance_records, 13U);
  EXPECT_EQ(info->ip, "192.168.1.201");
  EXPECT_EQ(info->fingerprint_algorithm, "10");
  EXPECT_EQ(info->face_algorithm, "58");
  EXPECT_EQ(info->faces_per_enrolment, 12U);
  EXPECT_EQ(info->faces, 2U);
  EXPECT_EQ(info->features, "11110");
  EXPECT_FALSE(info->cards.has_value());
  EXPECT_FALSE(info->attendance_photos.has_value());
}

TEST(AdmsInfo, ThroughTheQueryAndShortForms) {
  const auto query = parseIclockQuery(
      "SN=CKJF202560310&INFO=ZAM170-NF-Ver1.3.5,3,2,13,192.168.1.201,10,58,12,2,11110");
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(parseDeviceInfo(query->info)->ip, "192.168.1.201");

  // Older firmware: 9 fields; all 13 on newer ones; empty counts are unknown, not zero.
  const auto old = parseDeviceInfo("Ver 6.60 Apr 28 2017,10,20,300,10.0.0.5,10,,,");
  ASSERT_TRUE(old.ok()) << errorOf(old);
  EXPECT_EQ(old->firmware, "Ver 6.60 Apr 28 2017");
  EXPECT_FALSE(old->faces.has_value());
  const auto full = parseDeviceInfo("FW,1,2,3,1.2.3.4,10,58,12,2,11110,7,8,9");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->cards, 7U);
  EXPECT_EQ(full->user_photos, 8U);
  EXPECT_EQ(full->attendance_photos, 9U);
}

TEST(AdmsInfo, Errors) {
  EXPECT_EQ(errorOf(parseDeviceInfo("FW,1")),
            "INFO \"FW,1\" has 2 fields, fewer than 4 (expected firmware,users,fingerprints,"
            "records[,ip,…] (§4.1))");
  EXPECT_EQ(errorOf(parseDeviceInfo("FW,x,2,3")),
            "INFO field 2 (users) \"x\" is not a count (expected firmware,users,fingerprints,"
            "records,ip,… with whole numbers)");
  EXPECT_EQ(errorOf(parseDeviceInfo("FW\0,1,2,3"s)), "INFO contains control byte 0x00 at column 3");
}

// --- §2 handshake --------------------------------------------------------------------------------

TEST(AdmsHandshake, OfficialExampleByteExact) {
  // S2's example reply (§2). Its Content-Length of 190 does not match its own 265-byte body; the
  // body text is what is reproduced here, each line ending in LF.
  HandshakeOptions options;
  options.operlog_stamp = "9999";
  options.time_zone = 8h;
  options.time_zone_unit = TimeZoneUnit::HoursWhenWhole;
  const auto reply = buildHandshakeReply("0316144680030", options);
  ASSERT_TRUE(reply.ok()) << errorOf(reply);
  EXPECT_EQ(*reply,
            "GET OPTION FROM: 0316144680030\n"
            "ATTLOGStamp=None\n"
            "OPERLOGStamp=9999\n"
            "ATTPHOTOStamp=None\n"
            "ErrorDelay=30\n"
            "Delay=10\n"
            "TransTimes=00:00;14:05\n"
            "TransInterval=1\n"
            "TransFlag=TransData AttLog\tOpLog\tAttPhoto\tEnrollUser\tChgUser\tEnrollFP\tChgFP\t"
            "UserPic\n"
            "TimeZone=8\n"
            "Realtime=1\n"
            "Encrypt=None\n");
}

TEST(AdmsHandshake, TimeZoneUnits) {
  auto zone = [](std::chrono::minutes offset, TimeZoneUnit unit) {
    HandshakeOptions options;
    options.time_zone = offset;
    options.time_zone_unit = unit;
    const std::string reply = buildHandshakeReply("A1", options).valueOr(std::string{});
    const auto start = reply.find("TimeZone=") + 9;
    return reply.substr(start, reply.find('\n', start) - start);
  };
  // §8.1: minutes by default (5.5 hours read as 5 ran a device 30 minutes slow).
  EXPECT_EQ(zone(330min, TimeZoneUnit::Minutes), "330");
  EXPECT_EQ(zone(480min, TimeZoneUnit::Minutes), "480");
  EXPECT_EQ(zone(-300min, TimeZoneUnit::Minutes), "-300");
  EXPECT_EQ(zone(0min, TimeZoneUnit::Minutes), "0");
  EXPECT_EQ(zone(480min, TimeZoneUnit::HoursWhenWhole), "8");
  EXPECT_EQ(zone(-300min, TimeZoneUnit::HoursWhenWhole), "-5");
  EXPECT_EQ(zone(330min, TimeZoneUnit::HoursWhenWhole), "330");
  // Firmware reads |x| >= 12 as minutes, so UTC+13 must not go as "13".
  EXPECT_EQ(zone(780min, TimeZoneUnit::HoursWhenWhole), "780");
}

TEST(AdmsHandshake, OptionalKeysInOrder) {
  HandshakeOptions options;
  options.attlog_stamp = "2020-09-23T14:25:00";
  options.biodata_stamp = "0";
  options.legacy_stamps = true;
  options.trans_times = {};
  options.trans_flag = {"AttLog", "OpLog"};
  options.realtime = false;
  options.server_version = "2.2.14 2020-09-23";
  options.push_protocol_version = "2.2.14";
  options.push_options = true;
  options.extra = {{"SupportPing", "1"}, {"PushOptions", "FingerFunOn,FaceFunOn"}};
  const auto reply = buildHandshakeReply("CKJF202560310", options);
  ASSERT_TRUE(reply.ok()) << errorOf(reply);
  EXPECT_EQ(*reply,
            "GET OPTION FROM: CKJF202560310\n"
            "ATTLOGStamp=2020-09-23T14:25:00\n"
            "OPERLOGStamp=None\n"
            "ATTPHOTOStamp=None\n"
            "BIODATAStamp=0\n"
            "Stamp=2020-09-23T14:25:00\n"
            "OpStamp=None\n"
            "PhotoStamp=None\n"
            "ErrorDelay=30\n"
            "Delay=10\n"
            "TransTimes=\n"
            "TransInterval=1\n"
            "TransFlag=TransData AttLog\tOpLog\n"
            "TimeZone=0\n"
            "Realtime=0\n"
            "Encrypt=None\n"
            "ServerVer=2.2.14 2020-09-23\n"
            "PushProtVer=2.2.14\n"
            "PushOptionsFlag=1\n"
            "SupportPing=1\n"
            "PushOptions=FingerFunOn,FaceFunOn\n");
}

TEST(AdmsHandshake, Errors) {
  auto build = [](auto change) {
    HandshakeOptions options;
    change(options);
    return errorOf(buildHandshakeReply("A1", options));
  };
  EXPECT_EQ(errorOf(buildHandshakeReply("A 1", HandshakeOptions{})),
            "serial \"A 1\" is not valid (expected 1..64 letters, digits, '-' or '_')");
  EXPECT_EQ(build([](auto& o) { o.attlog_stamp = "1\n2"; }),
            "ATTLOGStamp \"1\\n2\" must be 1..64 printable characters without spaces (use the "
            "Stamp the device sent with its last accepted upload, or None)");
  EXPECT_EQ(build([](auto& o) { o.operlog_stamp = ""; }).substr(0, 30),
            "OPERLOGStamp \"\" must be 1..64 ");
  EXPECT_EQ(build([](auto& o) { o.delay = 0; }), "Delay 0 is outside 1..3600");
  EXPECT_EQ(build([](auto& o) { o.error_delay = 4000; }), "ErrorDelay 4000 is outside 1..3600");
  EXPECT_EQ(build([](auto& o) { o.trans_interval = -1; }), "TransInterval -1 is outside 0..1440");
  EXPECT_EQ(build([](auto& o) { o.trans_times = {"24:00"}; }),
            "TransTimes entry \"24:00\" is not a time of day (expected HH:MM, e.g. 00:00)");
  EXPECT_EQ(build([](auto& o) { o.trans_times = std::vector<std::string>(11, "00:00"); }),
            "TransTimes has 11 entries, more than 10");
  EXPECT_EQ(build([](auto& o) { o.trans_flag = {"AttLog\tOpLog"}; }).substr(0, 58),
            "TransFlag tag \"AttLog\\tOpLog\" is not a word of letters and");
  EXPECT_EQ(build([](auto& o) { o.trans_flag = {}; }),
            "TransFlag has no tags (AttLog is needed for punches, OpLog for users (§2))");
  EXPECT_EQ(build([](auto& o) { o.time_zone = 15h; }),
            "TimeZone offset 900 minutes is outside UTC-12:00..UTC+14:00");
  EXPECT_EQ(build([](auto& o) { o.push_protocol_version = "2.4.1"; }),
            "PushProtVer \"2.4.1\" would let the device negotiate encryption, which punchlink "
            "does not implement (use 2.2.14 (or any version below 2.4.0))");
  EXPECT_EQ(build([](auto& o) { o.push_protocol_version = "two"; }),
            "PushProtVer \"two\" is not a version (expected three numbers, e.g. 2.2.14)");
  EXPECT_EQ(build([](auto& o) {
              o.extra = {{"Delay", "5"}};
            }),
            "extra option Delay repeats a built-in option (set it through HandshakeOptions)");
  EXPECT_EQ(build([](auto& o) {
              o.extra = {{"A=B", "5"}};
            }),
            "extra option key \"A=B\" is not [A-Za-z0-9_~]+");
  EXPECT_EQ(build([](auto& o) {
              o.extra = {{"ServerName", "x\r\nDelay=1"}};
            }),
            "ServerName value contains control byte 0x0D at column 2");
  EXPECT_EQ(build([](auto& o) { o.server_version = "1\n"; }),
            "ServerVer value contains control byte 0x0A at column 2");
}

TEST(AdmsHandshake, UploadReply) {
  EXPECT_EQ(uploadReply(0), "OK:0");
  EXPECT_EQ(uploadReply(18), "OK:18");
}

// --- §3.1 ATTLOG ---------------------------------------------------------------------------------

TEST(AdmsAttlog, ReferenceLineWithTenColumns) {
  // §3.1: the 44-byte body of a SpeedFace-V5L (S6): mask flag, temperature, record number.
  const std::string body = "100\t2020-09-23 14:25:00\t0\t15\t\t0\t0\t0\t36.3\t14\n";
  ASSERT_EQ(body.size(), 44U);
  const auto batch = parseAttlog(body);
  EXPECT_TRUE(batch.errors.empty());
  ASSERT_EQ(batch.records.size(), 1U);
  const auto& record = batch.records[0];
  EXPECT_EQ(record.pin, "100");
  EXPECT_EQ(record.time, localTime(2020, 9, 23, 14, 25, 0));
  EXPECT_EQ(record.status, 0);
  EXPECT_EQ(record.verify, 15);
  EXPECT_EQ(record.workcode, "");
  EXPECT_EQ(record.extra, (std::vector<std::string>{"0", "0", "0", "36.3", "14"}));
  // Byte-exact the other way round.
  EXPECT_EQ(encodeAttlog(batch.records), body);
}

TEST(AdmsAttlog, ColumnVariants) {
  const auto batch = parseAttlog(
      // S1 old devices: 4 and 5 columns.
      "1\t2020-01-02 08:00:00\t0\t1\n"
      "2\t2020-01-02 08:00:01\t1\t4\t7\n"
      // S2 standard 7 columns, alphanumeric PIN, status 255 seen in the wild.
      "A12\t2020-01-02 08:00:02\t255\t15\t\t0\t0\n"
      // Space-separated variant.
      "3 2020-01-02 08:00:03 2 3\n"
      "4  2020-01-02 08:00:04  5  1  9\n"
      // 'T' between date and time; date and time in two TAB columns.
      "5\t2020-01-02T08:00:05\t0\t1\n"
      "6\t2020-01-02\t08:00:06\t0\t1\n"
      // Spaces around TAB-separated fields.
      " 7 \t 2020-01-02 08:00:07 \t 0 \t 1 \n"
      // S2 extensions: MaskFlag, Temperature, ConvTemperature, TimeOffset, ExtendData.
      "8\t2020-01-02 08:00:08\t0\t15\t\t0\t0\t1\t36.2\t97.2\t+28800\teyJHUFNJbmZvIjp7fX0=\n");
  EXPECT_TRUE(batch.errors.empty()) << toString(batch.errors.front());
  ASSERT_EQ(batch.records.size(), 9U);
  EXPECT_EQ(batch.records[0].workcode, "");
  EXPECT_EQ(batch.records[1].workcode, "7");
  EXPECT_EQ(batch.records[2].pin, "A12");
  EXPECT_EQ(batch.records[2].status, 255);
  EXPECT_EQ(batch.records[3].time, localTime(2020, 1, 2, 8, 0, 3));
  EXPECT_EQ(batch.records[3].status, 2);
  EXPECT_EQ(batch.records[3].verify, 3);
  EXPECT_EQ(batch.records[4].workcode, "9");
  EXPECT_EQ(batch.records[5].time, localTime(2020, 1, 2, 8, 0, 5));
  EXPECT_EQ(batch.records[6].time, localTime(2020, 1, 2, 8, 0, 6));
  EXPECT_EQ(batch.records[6].verify, 1);
  EXPECT_EQ(batch.records[7].pin, "7");
  EXPECT_EQ(batch.records[7].verify, 1);
  EXPECT_EQ(batch.records[8].extra.size(), 7U);
  EXPECT_EQ(batch.records[8].extra[5], "+28800");
}

TEST(AdmsAttlog, LineEndingsAndBlankLines) {
  const auto batch = parseAttlog(
      "\xEF\xBB\xBF"
      "1\t2020-01-02 08:00:00\t0\t1\r\n\r\n   \n\t\n2\t2020-01-02 08:00:01\t0\t1\r\n\n\n");
  EXPECT_TRUE(batch.errors.empty());
  ASSERT_EQ(batch.records.size(), 2U);
  EXPECT_EQ(batch.records[0].pin, "1");
  EXPECT_EQ(batch.records[1].verify, 1);
  // No final line end.
  EXPECT_EQ(parseAttlog("1\t2020-01-02 08:00:00\t0\t1").records.size(), 1U);
  EXPECT_TRUE(parseAttlog("").records.empty());
  EXPECT_TRUE(parseAttlog("\n\r\n").errors.empty());
}

TEST(AdmsAttlog, BadLinesAreReportedAndGoodLinesKept) {
  const std::string body = std::string(
                               "1\t2020-01-02 08:00:00\t0\t1\n"
                               "2\t2020-01-02 08:0\n"  // truncated
                               "3\t2020-02-30 08:00:00\t0\t1\n"
                               "4\t2020-01-02 08:00:00\t256\t1\n"
                               "5\t2020-01-02 08:00:00\t0\tface\n"
                               "\t2020-01-02 08:00:00\t0\t1\n"
                               "1234567890123456789012345\t2020-01-02 08:00:00\t0\t1\n"
                               "CHECK LOG: stamp=392232960 1\n") +
                           "8\t2020-01-02 08:00:00\t0\t1\0\n"s + "9\t2020-01-02 08:00:09\t1\t1\n";
  const auto batch = parseAttlog(body);
  ASSERT_EQ(batch.records.size(), 2U);
  EXPECT_EQ(batch.records[0].pin, "1");
  EXPECT_EQ(batch.records[1].pin, "9");
  const std::vector<LineError> expected = {
      {2,
       "has 2 columns, expected at least 4 (PIN, time, status, verify): \"2\\t2020-01-02 "
       "08:0\""},
      {3, "time \"2020-02-30 08:00:00\" is not a valid YYYY-MM-DD HH:MM:SS"},
      {4, "status \"256\" is not a number in 0..255"},
      {5, "verify \"face\" is not a number in 0..255"},
      {6, "PIN is empty"},
      {7, "PIN \"1234567890123456789012345\" is 25 bytes, more than 24"},
      {8, "time \"LOG:\" is not a valid YYYY-MM-DD HH:MM:SS"},
      {9, "line contains control byte 0x00 at column 26"},
  };
  EXPECT_EQ(batch.errors, expected);
  EXPECT_EQ(toString(batch.errors[0]).substr(0, 16), "line 2: has 2 co");
}

// Found by the fuzzer once its libraries were instrumented: a PIN that is only a byte-order mark,
// on a later line, was accepted, and written back first it was dropped with the body's BOM.
TEST(AdmsAttlog, APinStartingWithAByteOrderMarkIsRefused) {
  const auto batch = parseAttlog(
      "\xEF\xBB\xBF"
      "1\t2020-01-02 08:00:00\t0\t1\n"  // the body's BOM: dropped, PIN 1
      "\xEF\xBB\xBF\t2020-01-02 08:00:01\t0\t1\n"
      "\xEF\xBB\xBF"
      "7\t2020-01-02 08:00:02\t0\t1\n");
  ASSERT_EQ(batch.records.size(), 1U);
  EXPECT_EQ(batch.records[0].pin, "1");
  ASSERT_EQ(batch.errors.size(), 2U);
  EXPECT_EQ(batch.errors[0].reason,
            R"(PIN "\xEF\xBB\xBF" starts with a byte-order mark (U+FEFF))");  // escaped as shown
  EXPECT_EQ(batch.errors[1].line, 3U);
  const auto again = parseAttlog(encodeAttlog(batch.records));
  EXPECT_EQ(again.records, batch.records);
}

TEST(AdmsAttlog, HugeInputStaysBounded) {
  const std::string long_line = "1\t2020-01-02 08:00:00\t0\t1\t" + std::string(10000, 'x') + "\n";
  const auto batch = parseAttlog(long_line);
  ASSERT_EQ(batch.errors.size(), 1U);
  EXPECT_EQ(batch.errors[0].reason, "line is 10026 bytes, more than 8192");

  // 500 bad lines: 100 errors kept, the rest counted; the good line at the end survives.
  std::string garbage;
  for (int i = 0; i < 500; ++i) {
    garbage += "garbage\n";
  }
  garbage += "1\t2020-01-02 08:00:00\t0\t1\n";
  const auto many = parseAttlog(garbage);
  EXPECT_EQ(many.errors.size(), kMaxLineErrors);
  EXPECT_EQ(many.errors_omitted, 400U);
  EXPECT_EQ(many.records.size(), 1U);

  // Error text quotes at most 40 bytes of the offending input.
  const auto quoted = parseAttlog(std::string(300, 'y') + "\n");
  ASSERT_EQ(quoted.errors.size(), 1U);
  EXPECT_LT(quoted.errors[0].reason.size(), 140U);
  EXPECT_NE(quoted.errors[0].reason.find("...(+260 bytes)"), std::string::npos);
}

TEST(AdmsAttlog, RoundTripProperty) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> small(0, 255);
  std::uniform_int_distribution<int> pin_length(1, static_cast<int>(kMaxPinLength));
  const std::string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<std::size_t> letter(0, alphabet.size() - 1);
  std::vector<AttendanceRecord> records;
  for (int i = 0; i < 200; ++i) {
    AttendanceRecord record;
    const int length = pin_length(rng);
    for (int j = 0; j < length; ++j) {
      record.pin += alphabet[letter(rng)];
    }
    record.time = localTime(2000 + small(rng) % 99, 1 + small(rng) % 12, 1 + small(rng) % 28,
                            small(rng) % 24, small(rng) % 60, small(rng) % 60);
    record.status = small(rng);
    record.verify = small(rng);
    if (small(rng) % 2 == 0) {
      record.workcode = std::to_string(small(rng));
    }
    // Extra columns are positional, so only as many as were written come back.
    for (int j = small(rng) % 4; j > 0; --j) {
      record.extra.push_back(std::to_string(small(rng)));
    }
    records.push_back(record);
  }
  const auto batch = parseAttlog(encodeAttlog(records));
  EXPECT_TRUE(batch.errors.empty());
  EXPECT_EQ(batch.records, records);
}

TEST(AdmsAttlog, BiometricsFromTheReferenceLine) {
  // §3.1, S6: column 8 mask flag "0", column 9 temperature "36.3", column 10 a record number.
  const auto batch = parseAttlog("100\t2020-09-23 14:25:00\t0\t15\t\t0\t0\t0\t36.3\t14\n");
  ASSERT_EQ(batch.records.size(), 1U);
  EXPECT_EQ(attlogBiometrics(batch.records[0]), (AttlogBiometrics{false, 36.3}));
  // S2's fuller form: MaskFlag 1, Temperature, ConvTemperature, TimeOffset, ExtendData.
  const auto s2 = parseAttlog("8\t2020-01-02 08:00:08\t0\t15\t\t0\t0\t1\t97.2\t36.2\t+28800\n");
  EXPECT_EQ(attlogBiometrics(s2.records.at(0)), (AttlogBiometrics{true, 97.2}));
}

TEST(AdmsAttlog, BiometricsAbsentOrUnusable) {
  const auto of = [](std::vector<std::string> extra) {
    AttendanceRecord record{"1", localTime(2024, 1, 2, 8, 0, 0), 0, 1, "", std::move(extra)};
    return attlogBiometrics(record);
  };
  EXPECT_EQ(of({}), AttlogBiometrics{});
  EXPECT_EQ(of({"0", "0"}), AttlogBiometrics{});  // old and standard 7-column lines
  EXPECT_EQ(of({"0", "0", "", ""}), AttlogBiometrics{});
  EXPECT_EQ(of({"0", "0", "1"}), (AttlogBiometrics{true, std::nullopt}));
  EXPECT_EQ(of({"0", "0", "2", "36.6"}), (AttlogBiometrics{std::nullopt, 36.6}));
  EXPECT_EQ(of({"0", "0", " 1 ", " 98.1 "}), (AttlogBiometrics{true, 98.1}));
  // No sensor, garbage, out of range, not a plain decimal.
  for (const char* bad : {"0", "255", "19.9", "120.1", "-36.6", "36,6", "3e1", "nan", "inf",
                          "36.6x", "x", "36.6.6", "+36.6"}) {
    EXPECT_EQ(of({"0", "0", "0", bad}).temperature, std::nullopt) << bad;
  }
  EXPECT_EQ(of({"0", "0", "0", "20"}).temperature, 20.0);
  EXPECT_EQ(of({"0", "0", "0", "120"}).temperature, 120.0);
}

TEST(AdmsAttlog, BiometricsWrittenAsFirmwareDoes) {
  AttendanceRecord record{"1001", localTime(2024, 3, 15, 8, 30, 45), 0, 15, "", {}};
  setAttlogBiometrics(record, {});
  EXPECT_TRUE(record.extra.empty());
  setAttlogBiometrics(record, {true, 36.6});
  EXPECT_EQ(record.extra, (std::vector<std::string>{"0", "0", "1", "36.6"}));
  const std::vector<AttendanceRecord> records = {record};
  EXPECT_EQ(encodeAttlog(records), "1001\t2024-03-15 08:30:45\t0\t15\t\t0\t0\t1\t36.6\n");
  AttendanceRecord only_temperature{"2", localTime(2024, 3, 15, 8, 30, 45), 0, 15, "", {"0", "0"}};
  setAttlogBiometrics(only_temperature, {std::nullopt, 97.9});
  EXPECT_EQ(only_temperature.extra, (std::vector<std::string>{"0", "0", "", "97.9"}));
  // Round trip through the wire.
  std::mt19937 rng(36);
  for (int i = 0; i < 300; ++i) {
    AttlogBiometrics biometrics;
    if (rng() % 3 != 0) {
      biometrics.mask = rng() % 2 == 0;
    }
    if (rng() % 3 != 0) {
      biometrics.temperature = 20.0 + static_cast<double>(rng() % 1000) / 10.0;
    }
    AttendanceRecord line{"7", localTime(2024, 1, 1, 0, 0, 0), 0, 1, "", {}};
    setAttlogBiometrics(line, biometrics);
    const std::vector<AttendanceRecord> one = {line};
    const auto parsed = parseAttlog(encodeAttlog(one));
    ASSERT_EQ(parsed.records.size(), 1U);
    EXPECT_EQ(attlogBiometrics(parsed.records[0]), biometrics);
  }
}

// --- §3.4 Security PUSH rtlog / rtstate ------------------------------------------------------

TEST(AdmsTables, ClassifiesUploadTables) {
  EXPECT_EQ(classifyTable("ATTLOG"), UploadTable::Attlog);
  EXPECT_EQ(classifyTable("attlog"), UploadTable::Attlog);
  EXPECT_EQ(classifyTable("OPERLOG"), UploadTable::Operlog);
  EXPECT_EQ(classifyTable("BIODATA"), UploadTable::BioData);
  EXPECT_EQ(classifyTable("options"), UploadTable::Options);
  EXPECT_EQ(classifyTable("rtlog"), UploadTable::RtLog);
  EXPECT_EQ(classifyTable("RTLOG"), UploadTable::RtLog);
  EXPECT_EQ(classifyTable("rtstate"), UploadTable::RtState);
  EXPECT_EQ(classifyTable("ATTPHOTO"), UploadTable::Other);
  EXPECT_EQ(classifyTable(""), UploadTable::Other);
  EXPECT_EQ(uploadTableName(UploadTable::RtState), "rtstate");
  // The request parser passes the table through as sent.
  const auto query = parseIclockQuery("SN=ACC0001&table=rtlog");
  ASSERT_TRUE(query.ok()) << errorOf(query);
  EXPECT_EQ(classifyTable(query->table), UploadTable::RtLog);
  EXPECT_EQ(classifyTable(parseIclockQuery("SN=ACC0001&table=rtstate")->table),
            UploadTable::RtState);
}

TEST(AdmsRtLog, ReferenceFieldOrder) {
  // §3.4's field list, a verified opening at door 1 with mask and temperature.
  const std::string body =
      "time=2024-03-15 08:30:45\tpin=1001\tcardno=\tsitecode=\tlinkid=0\teventaddr=1\tevent=0\t"
      "inoutstatus=0\tverifytype=15\tindex=42\tmaskflag=1\ttemperature=36.5\t"
      "convtemperature=97.7\n";
  const auto batch = parseRtLog(body);
  ASSERT_TRUE(batch.errors.empty()) << toString(batch.errors.front());
  ASSERT_EQ(batch.entries.size(), 1U);
  const RtLogEntry expected{localTime(2024, 3, 15, 8, 30, 45),
                            "1001",
                            "",
                            1,
                            rtlog::kOpenedAfterVerify,
                            0,
                            15,
                            "42",
                            true,
                            36.5};
  EXPECT_EQ(batch.entries[0], expected);
  EXPECT_EQ(encodeRtLog(batch.entries),
            "time=2024-03-15 08:30:45\tpin=1001\tcardno=\tsitecode=\tlinkid=\teventaddr=1\t"
            "event=0\tinoutstatus=0\tverifytype=15\tindex=42\tmaskflag=1\ttemperature=36.5\t"
            "convtemperature=\n");
}

TEST(AdmsRtLog, TolerantLikeAttlog) {
  const auto batch = parseRtLog(
      "\xEF\xBB\xBF"
      "time=2024-03-15 08:30:45\tevent=201\teventaddr=1\r\n"  // door closed: no person
      "\n"
      "rtlog time=2024-03-15 08:31:00\tEVENT=23\tPin=77\tCardNo=123456\tverifytype=4\r\n"
      "event=100\tfoo=bar\ttime=2024-03-15 08:32:00\teventaddr=\tmaskflag=255\ttemperature=0\n"
      "time=2024-03-15T08:33:00\tevent=202\tinoutstatus=1");
  ASSERT_TRUE(batch.errors.empty()) << toString(batch.errors.front());
  ASSERT_EQ(batch.entries.size(), 4U);
  EXPECT_EQ(batch.entries[0].event, rtlog::kDoorClosed);
  EXPECT_EQ(batch.entries[0].door, 1);
  EXPECT_EQ(batch.entries[0].pin, "");
  EXPECT_EQ(batch.entries[1].event, rtlog::kAccessDenied);
  EXPECT_EQ(batch.entries[1].pin, "77");
  EXPECT_EQ(batch.entries[1].card, "123456");
  EXPECT_EQ(batch.entries[1].verify, 4);
  EXPECT_EQ(batch.entries[2].event, rtlog::kTamper);
  EXPECT_EQ(batch.entries[2].door, 0);
  EXPECT_EQ(batch.entries[2].mask, std::nullopt);
  EXPECT_EQ(batch.entries[2].temperature, std::nullopt);
  EXPECT_EQ(batch.entries[3].in_out, 1);
  EXPECT_EQ(batch.entries[3].time, localTime(2024, 3, 15, 8, 33, 0));
}

TEST(AdmsRtLog, BadLinesAreReportedAndGoodLinesKept) {
  const auto batch = parseRtLog(
      "time=2024-03-15 08:30:45\tevent=0\n"
      "pin=1\tevent=0\n"
      "time=2024-02-30 08:30:45\tevent=0\n"
      "time=2024-03-15 08:30:45\tpin=1\n"
      "time=2024-03-15 08:30:45\tevent=70000\n"
      "time=2024-03-15 08:30:45\tevent=0\teventaddr=door1\n"
      "time=2024-03-15 08:30:45\tevent=0\tevent=1\n"
      "time=2024-03-15 08:30:45\tevent=0\tgarbage\n"
      "time=2024-03-15 08:30:45\tevent=0\tpin=1234567890123456789012345\n"
      "time=2024-03-15 08:30:46\tevent=8\n");
  ASSERT_EQ(batch.entries.size(), 2U);
  EXPECT_EQ(batch.entries[1].event, rtlog::kRemoteOpen);
  ASSERT_EQ(batch.errors.size(), 8U);
  EXPECT_EQ(batch.errors[0], (LineError{2, "has no time field"}));
  EXPECT_EQ(batch.errors[1].reason,
            "time \"2024-02-30 08:30:45\" is not a valid YYYY-MM-DD HH:MM:SS");
  EXPECT_EQ(batch.errors[2].reason, "has no event field");
  EXPECT_EQ(batch.errors[3].reason, "event \"70000\" is not a number in 0..65535");
  EXPECT_EQ(batch.errors[4].reason, "eventaddr \"door1\" is not a number in 0..255");
  EXPECT_EQ(batch.errors[5].reason, "key \"event\" appears twice");
  EXPECT_EQ(batch.errors[6].reason, "field \"garbage\" has no '='");
  EXPECT_EQ(batch.errors[7].line, 9U);
  // A long line is refused before it is looked at.
  const auto huge = parseRtLog("time=2024-03-15 08:30:45\tevent=0\tx=" + std::string(9000, 'y'));
  ASSERT_EQ(huge.errors.size(), 1U);
  EXPECT_NE(huge.errors[0].reason.find("more than 8192"), std::string::npos);
}

TEST(AdmsRtLog, RoundTripProperty) {
  std::mt19937 rng(7);
  std::vector<RtLogEntry> entries;
  for (int i = 0; i < 300; ++i) {
    RtLogEntry entry;
    entry.time = localTime(2000 + static_cast<int>(rng() % 99), 1 + static_cast<int>(rng() % 12),
                           1 + static_cast<int>(rng() % 28), static_cast<int>(rng() % 24),
                           static_cast<int>(rng() % 60), static_cast<int>(rng() % 60));
    entry.pin = rng() % 3 == 0 ? "" : std::to_string(rng() % 100000);
    entry.card = rng() % 2 == 0 ? "" : std::to_string(rng());
    entry.door = static_cast<int>(rng() % 256);
    entry.event = static_cast<int>(rng() % 65536);
    entry.in_out = static_cast<int>(rng() % 2);
    entry.verify = static_cast<int>(rng() % 256);
    entry.index = std::to_string(rng() % 1000);
    if (rng() % 2 == 0) {
      entry.mask = rng() % 2 == 0;
    }
    if (rng() % 2 == 0) {
      entry.temperature = 20.0 + static_cast<double>(rng() % 10000) / 100.0;
    }
    entries.push_back(entry);
  }
  const auto batch = parseRtLog(encodeRtLog(entries));
  EXPECT_TRUE(batch.errors.empty());
  ASSERT_EQ(batch.entries.size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(batch.entries[i], entries[i]) << encodeRtLog(std::span(entries).subspan(i, 1));
  }
}

TEST(AdmsRtState, ReferenceLayoutPerDoor) {
  // §3.4: sensor 2 bits a door, relay 1 bit, alarm 8 bits. Door 1 closed, door 2 open, door 3
  // no sensor, door 4 open; door 2's relay on; door 4 forced open and tampered.
  const auto batch =
      parseRtState("time=2024-03-15 08:30:45\tsensor=89\trelay=02\talarm=0000000300000000\n");
  ASSERT_TRUE(batch.errors.empty()) << toString(batch.errors.front());
  ASSERT_EQ(batch.entries.size(), 1U);
  const auto& entry = batch.entries[0];
  EXPECT_EQ(entry.sensor, "89");
  EXPECT_EQ(doorState(entry, 1), (DoorState{DoorSensor::Closed, false, 0}));
  EXPECT_EQ(doorState(entry, 2), (DoorState{DoorSensor::Open, true, 0}));
  EXPECT_EQ(doorState(entry, 3), (DoorState{DoorSensor::None, false, 0}));
  EXPECT_EQ(doorState(entry, 4),
            (DoorState{DoorSensor::Open, false, door_alarm::kForcedOpen | door_alarm::kTamper}));
  // Door 5..8 are covered by the alarm field only; 9 by nothing.
  EXPECT_EQ(doorState(entry, 8), DoorState{});
  EXPECT_EQ(doorState(entry, 9), std::nullopt);
  EXPECT_EQ(doorState(entry, 0), std::nullopt);
  EXPECT_EQ(doorState(RtStateEntry{{}, "8", "", ""}, 1), std::nullopt);  // not whole bytes
}

TEST(AdmsRtState, MakeAndRoundTrip) {
  const std::vector<DoorState> doors = {{DoorSensor::Open, true, door_alarm::kDoorSensor},
                                        {DoorSensor::Closed, false, 0}};
  const auto entry = makeRtState(localTime(2024, 3, 15, 8, 30, 45), doors);
  EXPECT_EQ(entry.sensor, "0600");
  EXPECT_EQ(entry.relay, "01");
  EXPECT_EQ(entry.alarm, "1000000000000000");
  EXPECT_EQ(doorState(entry, 1), doors[0]);
  EXPECT_EQ(doorState(entry, 2), doors[1]);
  const std::vector<RtStateEntry> entries = {entry,
                                             makeRtState(localTime(2024, 1, 1, 0, 0, 0), {})};
  const std::string body = encodeRtState(entries);
  EXPECT_EQ(body.substr(0, body.find('\n')),
            "time=2024-03-15 08:30:45\tsensor=0600\trelay=01\talarm=1000000000000000");
  const auto batch = parseRtState(body);
  EXPECT_TRUE(batch.errors.empty());
  EXPECT_EQ(batch.entries, entries);
  // Ten doors widen the fields.
  const auto wide = makeRtState({}, std::vector<DoorState>(10, {DoorSensor::Closed, true, 1}));
  EXPECT_EQ(wide.sensor, "555505");
  EXPECT_EQ(wide.relay, "FF03");
  EXPECT_EQ(doorState(wide, 10), (DoorState{DoorSensor::Closed, true, 1}));
}

TEST(AdmsRtState, BadLines) {
  const auto batch = parseRtState(
      "sensor=01\n"
      "time=2024-03-15 08:30:45\tsensor=0x01\n"
      "time=2024-03-15 08:30:45\trelay=1\n"
      "time=2024-03-15 08:30:45\talarm=" +
      std::string(66, '0') +
      "\n"
      "time=2024-03-15 08:30:45\n");
  ASSERT_EQ(batch.entries.size(), 1U);  // only time: every door field empty
  ASSERT_EQ(batch.errors.size(), 4U);
  EXPECT_EQ(batch.errors[0].reason, "has no time field");
  EXPECT_EQ(batch.errors[1].reason, "sensor \"0x01\" is not hex bytes (at most 32)");
  EXPECT_EQ(batch.errors[2].reason, "relay \"1\" is not hex bytes (at most 32)");
  EXPECT_EQ(batch.errors[3].line, 4U);
}

// --- §3.2 / §3.3 OPERLOG and BIODATA -------------------------------------------------------------

TEST(AdmsOperlog, ReferenceLines) {
  const auto batch = parseOperlog(
      "OPLOG 4\t0\t2020-09-22 15:23:31\t0\t0\t0\t0\n"
      "USER PIN=100\tName=Marcelo\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000100000000\tVerify=-1\t"
      "ViceCard=\tStartDatetime=0\tEndDatetime=0\n"
      "FP PIN=100\tFID=6\tSize=8\tValid=1\tTMP=oco0AAA=\n"
      "BIODATA Pin=100\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=58\tMinorVer=10\t"
      "Format=0\tTmp=QUJDRA==\n");
  EXPECT_TRUE(batch.errors.empty()) << toString(batch.errors.front());
  ASSERT_EQ(batch.entries.size(), 4U);

  const auto& oplog = as<OpLogEntry>(batch.entries[0]);
  EXPECT_EQ(oplog.op, 4);
  EXPECT_EQ(oplog.admin, "0");
  EXPECT_EQ(oplog.time, localTime(2020, 9, 22, 15, 23, 31));
  EXPECT_EQ(oplog.objects, (std::vector<std::string>{"0", "0", "0", "0"}));

  const auto& user = as<UserEntry>(batch.entries[1]);
  EXPECT_EQ(user.pin, "100");
  EXPECT_EQ(user.name, "Marcelo");
  EXPECT_EQ(user.privilege, 0);
  EXPECT_EQ(user.password, "");
  EXPECT_EQ(user.card, "");
  EXPECT_EQ(user.group, 1);
  EXPECT_EQ(user.time_zone, "0000000100000000");
  EXPECT_EQ(user.verify, -1);
  EXPECT_EQ(user.start_datetime, "0");
  EXPECT_EQ(user.end_datetime, "0");

  const auto& finger = as<TemplateEntry>(batch.entries[2]);
  EXPECT_EQ(finger.kind, TemplateKind::Fingerprint);
  EXPECT_EQ(finger.pin, "100");
  EXPECT_EQ(finger.fid, 6);
  EXPECT_EQ(finger.size, 8U);
  EXPECT_EQ(finger.valid, 1);
  EXPECT_EQ(finger.tmp, "oco0AAA=");
  EXPECT_FALSE(finger.index.has_value());

  const auto& bio = as<BioDataEntry>(batch.entries[3]);
  EXPECT_EQ(bio.pin, "100");
  EXPECT_EQ(bio.type, 9);
  EXPECT_EQ(bio.major_version, "58");
  EXPECT_EQ(bio.minor_version, "10");
  EXPECT_EQ(bio.format, "0");
  EXPECT_EQ(bio.tmp, "QUJDRA==");
}

TEST(AdmsOperlog, OpLogLinesWrittenAsFirmwareDoes) {
  // §3.2's observed line, then alarm, unlock and duress lines (App. A op codes).
  const std::vector<OpLogEntry> entries = {
      {4, "0", localTime(2020, 9, 22, 15, 23, 31), {"0", "0", "0", "0"}},
      {3, "0", localTime(2024, 3, 15, 8, 30, 45), {"55", "0", "0", "0"}},
      {29, "0", localTime(2024, 3, 15, 8, 30, 46), {"1001", "0", "0", "0"}},
      {32, "0", localTime(2024, 3, 15, 8, 30, 47), {"1001", "0", "0", "0"}},
  };
  const std::string body = encodeOpLog(entries);
  EXPECT_EQ(body.substr(0, body.find('\n')), "OPLOG 4\t0\t2020-09-22 15:23:31\t0\t0\t0\t0");
  const auto batch = parseOperlog(body);
  EXPECT_TRUE(batch.errors.empty());
  ASSERT_EQ(batch.entries.size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(as<OpLogEntry>(batch.entries[i]), entries[i]);
  }
}

TEST(AdmsOperlog, OtherTagsAndVariants) {
  const auto batch = parseOperlog(
      // FACE and FVEIN orders (§3.2), keys matched whatever their case.
      "FACE PIN=7\tFID=0\tValid=1\tSize=4\tTMP=QUJD\r\n"
      "FVEIN Pin=7\tFID=1\tIndex=2\tValid=3\tSize=4\tTmp=QUJD\r\n"
      // BIOPHOTO in the observed order, USERPIC, ERRORLOG: kept as key/value fields.
      "BIOPHOTO PIN=7\tNo=0\tIndex=0\tFileName=9-7.jpg\tType=9\tSize=4\tContent=QUJD\n"
      "USERPIC PIN=7\tFileName=7.jpg\tSize=4\tContent=QUJD\n"
      "ERRORLOG ErrCode=D01E0001\tErrMsg=face detect failed\tDataOrigin=dev\tCmdId=\t"
      "Additional=e30=\n"
      // A TAB after the tag, a name with spaces, a sparse USER line, trailing TAB.
      "USER\tPIN=8\tName=Jorge Leon\t\n"
      "\n");
  EXPECT_TRUE(batch.errors.empty()) << toString(batch.errors.front());
  ASSERT_EQ(batch.entries.size(), 6U);
  const auto& face = as<TemplateEntry>(batch.entries[0]);
  EXPECT_EQ(face.kind, TemplateKind::Face);
  EXPECT_EQ(face.tmp, "QUJD");
  const auto& vein = as<TemplateEntry>(batch.entries[1]);
  EXPECT_EQ(vein.kind, TemplateKind::FingerVein);
  EXPECT_EQ(vein.index, 2);
  EXPECT_EQ(vein.valid, 3);
  const auto& photo = as<OtherEntry>(batch.entries[2]);
  EXPECT_EQ(photo.tag, "BIOPHOTO");
  ASSERT_EQ(photo.fields.size(), 7U);
  EXPECT_EQ(photo.fields[3], (Field{"FileName", "9-7.jpg"}));
  EXPECT_EQ(as<OtherEntry>(batch.entries[3]).tag, "USERPIC");
  const auto& errorlog = as<OtherEntry>(batch.entries[4]);
  EXPECT_EQ(errorlog.fields[1], (Field{"ErrMsg", "face detect failed"}));
  EXPECT_EQ(errorlog.fields[4], (Field{"Additional", "e30="}));
  const auto& user = as<UserEntry>(batch.entries[5]);
  EXPECT_EQ(user.name, "Jorge Leon");
  EXPECT_FALSE(user.privilege.has_value());
  EXPECT_FALSE(user.group.has_value());
  EXPECT_FALSE(user.verify.has_value());
}

TEST(AdmsOperlog, BadLinesAreReportedAndGoodLinesKept) {
  const std::string body = std::string(
                               "OPLOG 4\t0\n"
                               "OPLOG x\t0\t2020-09-22 15:23:31\n"
                               "OPLOG 4\t0\t2020-09-22 25:23:31\n"
                               "USER Name=NoPin\n"
                               "USER PIN=1\tPIN=2\n"
                               "USER PIN=1\tPri=admin\n"
                               "USER PIN=1\tName\n"
                               "FP PIN=1\tFID=0\tTMP=not base64!\n"
                               "FP PIN=1\tTMP=QUJD\n"
                               "FP PIN=1\tFID=0\n"
                               "BIODATA Pin=1\tTmp=QUJD\n"
                               "hello, world\n"
                               "USER\n") +
                           "USER PIN=1\0\n"s + "USER PIN=ok\n";
  const auto batch = parseOperlog(body);
  ASSERT_EQ(batch.entries.size(), 1U);
  EXPECT_EQ(as<UserEntry>(batch.entries[0]).pin, "ok");
  const std::vector<LineError> expected = {
      {1, "OPLOG has 2 columns, expected at least 3 (op, operator, time)"},
      {2, "OPLOG op \"x\" is not a number in 0..65535"},
      {3, "OPLOG time \"2020-09-22 25:23:31\" is not a valid YYYY-MM-DD HH:MM:SS"},
      {4, "has no PIN field"},
      {5, "USER key \"PIN\" appears twice"},
      {6, "Pri \"admin\" is not a number in 0..255"},
      {7, "USER field \"Name\" has no '='"},
      {8, "TMP \"not base64!\" is not base64"},
      {9, "has no FID field"},
      {10, "has no TMP field"},
      {11, "has no Type field"},
      {12,
       "record tag \"hello,\" is not a word; expected OPLOG, USER, FP, FACE, FVEIN, "
       "BIODATA... and a space"},
      {13, "USER record has no fields"},
      {14, "line contains control byte 0x00 at column 11"},
  };
  EXPECT_EQ(batch.errors, expected);
}

TEST(AdmsOperlog, HugeLinesAreRefused) {
  const std::string big = "USERPIC PIN=1\tContent=" + std::string(kMaxOperlogLineLength, 'A');
  const auto batch = parseOperlog(big + "\nUSER PIN=2\n");
  ASSERT_EQ(batch.errors.size(), 1U);
  EXPECT_EQ(batch.errors[0].reason, "line is 1048598 bytes, more than 1048576");
  EXPECT_EQ(batch.entries.size(), 1U);
  // Photo-sized lines below the limit are fine.
  const auto photo = parseOperlog("USERPIC PIN=1\tContent=" + std::string(200000, 'A'));
  EXPECT_TRUE(photo.errors.empty());
}

// --- §4 commands ---------------------------------------------------------------------------------

TEST(AdmsCommands, ByteExactLines) {
  UpdateUser user;
  user.pin = "100";
  user.name = "Marcelo";
  user.privilege = 0;
  user.password = "";
  user.card = "";
  user.group = 1;
  user.time_zone = "0000000100000000";
  user.verify = -1;
  EXPECT_EQ(encodeCommand("287", user).value(),
            "C:287:DATA UPDATE USERINFO PIN=100\tName=Marcelo\tPri=0\tPasswd=\tCard=\tGrp=1\t"
            "TZ=0000000100000000\tVerify=-1");
  EXPECT_EQ(encodeCommand("13", UpdateUser{.pin = "1"}).value(), "C:13:DATA UPDATE USERINFO PIN=1");
  EXPECT_EQ(encodeCommand("fp7464", UpdateFingerprint{"1234", 0, 1, "QUJDREVGRw=="}).value(),
            "C:fp7464:DATA UPDATE FINGERTMP PIN=1234\tFID=0\tSize=12\tValid=1\tTMP=QUJDREVGRw==");
  EXPECT_EQ(encodeCommand("288", DeleteUser{"100"}).value(), "C:288:DATA DELETE USERINFO PIN=100");
  EXPECT_EQ(encodeCommand("4", DeleteFingerprint{"100", 3}).value(),
            "C:4:DATA DELETE FINGERTMP PIN=100\tFID=3");
  EXPECT_EQ(encodeCommand("4", DeleteFingerprint{"100", {}}).value(),
            "C:4:DATA DELETE FINGERTMP PIN=100");
  EXPECT_EQ(encodeCommand("1630", QueryAttlog{localTime(2020, 9, 23, 0, 0, 0),
                                              localTime(2020, 9, 23, 23, 59, 59)})
                .value(),
            "C:1630:DATA QUERY ATTLOG StartTime=2020-09-23 00:00:00\tEndTime=2020-09-23 23:59:59");
  EXPECT_EQ(encodeCommand("9", QueryUsers{}).value(), "C:9:DATA QUERY USERINFO");
  EXPECT_EQ(encodeCommand("9", QueryUsers{"100"}).value(), "C:9:DATA QUERY USERINFO PIN=100");
  EXPECT_EQ(encodeCommand("5", SetOption{"Delay", "10"}).value(), "C:5:SET OPTION Delay=10");
  // §4.3: "C:221:CONTROL DEVICE 01010105" opens door 1 for 5 s.
  EXPECT_EQ(encodeCommand("221", UnlockDoor{1, 5}).value(), "C:221:CONTROL DEVICE 01010105");
  EXPECT_EQ(encodeCommand("222", UnlockDoor{2, 30}).value(), "C:222:CONTROL DEVICE 0102011E");
  EXPECT_EQ(encodeCommand("6", AcUnlock{}).value(), "C:6:AC_UNLOCK");
  EXPECT_EQ(encodeCommand("1", Reboot{}).value(), "C:1:REBOOT");
  EXPECT_EQ(encodeCommand("info8487", QueryInfo{}).value(), "C:info8487:INFO");
  EXPECT_EQ(encodeCommand("7", CheckData{}).value(), "C:7:CHECK");
  EXPECT_EQ(encodeCommand("8", ClearLog{}).value(), "C:8:CLEAR LOG");
}

TEST(AdmsCommands, CardHex) {
  // §4.3: 123456789 → [15CD5B07].
  EXPECT_EQ(formatCardHex(123456789), "[15CD5B07]");
  EXPECT_EQ(formatCardHex(0), "[00000000]");
  EXPECT_EQ(encodeCommand("1", UpdateUser{.pin = "1", .card = formatCardHex(123456789)}).value(),
            "C:1:DATA UPDATE USERINFO PIN=1\tCard=[15CD5B07]");
  EXPECT_EQ(encodeCommand("1", UpdateUser{.pin = "1", .card = "123456789"}).value(),
            "C:1:DATA UPDATE USERINFO PIN=1\tCard=123456789");
}

TEST(AdmsCommands, ValuesThatWouldSplitTheCommandAreRefused) {
  // §8.6: a real unit stored "100 Name=Jorge Leon" as the PIN when a SPACE stood for a TAB.
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "100 Name=Jorge Leon"})),
            "PIN \"100 Name=Jorge Leon\" has a space, control or non-ASCII byte at column 4");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "1", .name = "Jorge\tPri=14"})),
            "Name \"Jorge\\tPri=14\" contains control byte 0x09 at column 6 (TAB, CR and LF would "
            "split the command)");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "1", .name = "x\nC:2:REBOOT"})),
            "Name \"x\\nC:2:REBOOT\" contains control byte 0x0A at column 2 (TAB, CR and LF would "
            "split the command)");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "1", .password = "a\0"s})),
            "Passwd \"a\\x00\" contains control byte 0x00 at column 2 (TAB, CR and LF would "
            "split the command)");
  EXPECT_EQ(errorOf(encodeCommand("1", DeleteUser{""})), "PIN \"\" must be 1..24 bytes, got 0");
  EXPECT_EQ(errorOf(encodeCommand("1", DeleteUser{std::string(25, '1')})).substr(0, 10),
            "PIN \"11111");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "1", .name = std::string(2000, 'n')})),
            "Name is 2000 bytes, more than 1024");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "1", .card = "12AB"})),
            "Card \"12AB\" is neither decimal nor [XXXXXXXX] hex (use formatCardHex() for the "
            "bracketed form)");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "1", .time_zone = "1"})),
            "TZ \"1\" is not 16 hex digits (e.g. 0000000100000000)");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "1", .privilege = 256})),
            "Pri 256 is outside 0..255");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateUser{.pin = "1", .verify = -2})),
            "Verify -2 is outside -1..255");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateFingerprint{"1", 10, 1, "QUJD"})),
            "FID 10 is outside 0..9");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateFingerprint{"1", 0, 2, "QUJD"})),
            "Valid 2 is not 0, 1 or 3 (0 invalid, 1 normal, 3 duress)");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateFingerprint{"1", 0, 1, "QU\tJD"})),
            "TMP \"QU\\tJD\" is not base64");
  EXPECT_EQ(errorOf(encodeCommand("1", UpdateFingerprint{"1", 0, 1, ""})),
            "TMP \"\" is not base64");
  EXPECT_EQ(errorOf(encodeCommand(
                "1", UpdateFingerprint{"1", 0, 1, std::string(kMaxTemplateLength + 4, 'A')})),
            "TMP is 262148 bytes, more than 262144");
  EXPECT_EQ(errorOf(encodeCommand("1", QueryAttlog{localTime(2020, 9, 24, 0, 0, 0),
                                                   localTime(2020, 9, 23, 0, 0, 0)})),
            "DATA QUERY ATTLOG ends (2020-09-23 00:00:00) before it starts (2020-09-24 00:00:00)");
  EXPECT_EQ(errorOf(encodeCommand("1", SetOption{"Delay=1\tX", "2"})),
            "option key \"Delay=1\\tX\" is not [A-Za-z0-9_~]+");
  EXPECT_EQ(errorOf(encodeCommand("1", SetOption{"ServerName", "a\r\nb"})),
            "ServerName \"a\\r\\nb\" contains control byte 0x0D at column 2 (TAB, CR and LF "
            "would split the command)");
  EXPECT_EQ(errorOf(encodeCommand("1", UnlockDoor{1, 0})), "unlock seconds 0 is outside 1..254");
  EXPECT_EQ(errorOf(encodeCommand("1", UnlockDoor{17, 5})), "door 17 is outside 0..16");
  EXPECT_EQ(errorOf(encodeCommand("1:2", Reboot{})),
            "command id \"1:2\" must be 1..16 letters and digits (§4.2)");
  EXPECT_EQ(errorOf(encodeCommand("", Reboot{})),
            "command id \"\" must be 1..16 letters and digits (§4.2)");
  EXPECT_EQ(errorOf(encodeCommand("12345678901234567", Reboot{})),
            "command id \"12345678901234567\" must be 1..16 letters and digits (§4.2)");
}

TEST(AdmsCommands, Reply) {
  EXPECT_EQ(buildCommandReply({}).value(), "OK");
  const std::vector<QueuedCommand> batch = {
      {"287", DeleteUser{"100"}}, {"288", QueryInfo{}}, {"289", Reboot{}}};
  EXPECT_EQ(buildCommandReply(batch).value(),
            "C:287:DATA DELETE USERINFO PIN=100\nC:288:INFO\nC:289:REBOOT\n");

  const std::vector<QueuedCommand> reboot_first = {{"1", Reboot{}}, {"2", QueryInfo{}}};
  EXPECT_EQ(errorOf(buildCommandReply(reboot_first)),
            "REBOOT (id 1) is not the last command (the device ignores everything after REBOOT "
            "(§4.2))");
  const std::vector<QueuedCommand> twice = {{"1", QueryInfo{}}, {"1", CheckData{}}};
  EXPECT_EQ(errorOf(buildCommandReply(twice)),
            "command id \"1\" appears twice in one reply (results are matched by id)");
  const std::vector<QueuedCommand> bad = {{"1", QueryInfo{}}, {"2", DeleteUser{"a b"}}};
  EXPECT_EQ(errorOf(buildCommandReply(bad)),
            "command \"2\": PIN \"a b\" has a space, control or non-ASCII byte at column 2");
  std::vector<QueuedCommand> many;
  for (std::size_t i = 0; i <= kMaxCommandsPerReply; ++i) {
    many.push_back({std::to_string(i), QueryInfo{}});
  }
  EXPECT_EQ(errorOf(buildCommandReply(many)),
            "201 commands in one reply, more than 200 (send the rest on the next poll)");
}

TEST(AdmsCommands, ParseCommandLineRoundTrip) {
  const std::vector<QueuedCommand> commands = {
      {"287", UpdateUser{"100", "Marcelo", 0, "", "", 1, "0000000100000000", -1}},
      {"13", UpdateUser{.pin = "1", .name = "Jorge Leon", .card = "[15CD5B07]"}},
      {"2", DeleteUser{"100"}},
      {"3", UpdateFingerprint{"100", 9, 3, "QUJDREVGRw=="}},
      {"4", DeleteFingerprint{"100", {}}},
      {"5", DeleteFingerprint{"100", 0}},
      {"6", QueryAttlog{localTime(2020, 1, 1, 0, 0, 0), localTime(2020, 12, 31, 23, 59, 59)}},
      {"7", QueryUsers{}},
      {"8", QueryUsers{"A7"}},
      {"9", SetOption{"WebServerIP", "192.168.1.2"}},
      {"10", SetOption{"Empty", ""}},
      {"11", UnlockDoor{0, 254}},
      {"12", AcUnlock{}},
      {"14", CheckData{}},
      {"15", QueryInfo{}},
      {"17", ClearLog{}},
      {"16", Reboot{}},
  };
  for (const auto& command : commands) {
    const auto line = encodeCommand(command.id, command.command);
    ASSERT_TRUE(line.ok()) << errorOf(line);
    const auto parsed = parseCommandLine(*line + "\r\n");
    ASSERT_TRUE(parsed.ok()) << *line << ": " << errorOf(parsed);
    EXPECT_EQ(*parsed, command) << *line;
  }
}

TEST(AdmsCommands, ParseCommandLineErrors) {
  EXPECT_EQ(errorOf(parseCommandLine("DATA UPDATE USERINFO PIN=1")),
            "command line \"DATA UPDATE USERINFO PIN=1\" does not start with C:<id>:");
  EXPECT_EQ(errorOf(parseCommandLine("C:1:USER ADD PIN=1")),
            "command 1: unknown command \"USER ADD PIN=1\"");
  // The device-side view of §8.6: a SPACE does not separate fields.
  EXPECT_EQ(errorOf(parseCommandLine("C:1:DATA UPDATE USERINFO PIN=100 Name=Jorge Leon")),
            "command 1: PIN \"100 Name=Jorge Leon\" has a space, control or non-ASCII byte at "
            "column 4");
  EXPECT_EQ(errorOf(parseCommandLine("C:1:DATA UPDATE FINGERTMP PIN=1\tFID=0\tSize=3\tValid=1\t"
                                     "TMP=QUJD")),
            "command 1: Size 3 is not the TMP length 4");
  EXPECT_EQ(errorOf(parseCommandLine("C:1:DATA UPDATE USERINFO PIN=1\tBogus=2")),
            "command 1: unexpected field \"Bogus\"");
  EXPECT_EQ(errorOf(parseCommandLine("C:1:CONTROL DEVICE 03000000")),
            "command 1: CONTROL DEVICE \"03000000\" is not a door unlock (01 DD 01 SS)");
  EXPECT_EQ(errorOf(parseCommandLine("C:1:DATA QUERY ATTLOG StartTime=yesterday\tEndTime=x")),
            "command 1: StartTime \"yesterday\" is not YYYY-MM-DD HH:MM:SS");
  EXPECT_FALSE(parseCommandLine("C:").ok());
  EXPECT_FALSE(parseCommandLine("C::REBOOT").ok());
}

// --- §5 command results --------------------------------------------------------------------------

TEST(AdmsResults, ReferenceBody) {
  // §5: the 50-byte devicecmd body of S6.
  const std::string body = "ID=287&Return=0&CMD=DATA\nID=288&Return=0&CMD=DATA\n";
  ASSERT_EQ(body.size(), 50U);
  const auto batch = parseCommandResults(body);
  EXPECT_TRUE(batch.errors.empty());
  ASSERT_EQ(batch.results.size(), 2U);
  EXPECT_EQ(batch.results[0], (CommandResult{"287", 0, "DATA", {}, 1}));
  EXPECT_EQ(batch.results[1], (CommandResult{"288", 0, "DATA", {}, 2}));
  EXPECT_EQ(encodeCommandResults(batch.results), body);
}

TEST(AdmsResults, Variants) {
  const auto batch = parseCommandResults(
      // S3 lower-case keys; S1 adds SN; VERIFY SUM adds its own fields; unknown CMD echoes empty.
      "id=1&return=-1002&cmd=\r\n"
      "ID=2&Return=0&CMD=DATA&SN=CKJF202560310\r\n"
      "ID=3&Return=0&CMD=VERIFY SUM&StartTime=2020-09-23 00:00:00&EndTime=x&AttlogSum=18\n"
      // INFO: Key=Value lines follow the result line (S6).
      "ID=1626&Return=0&CMD=INFO\n"
      "~DeviceName=SpeedFace-V5L[TD]\n"
      "MAC=00:17:61:12:fa:f0\n"
      "UserCount=3\n"
      "\n"
      "ID=4&Return=5&CMD=ENROLL_FP\n");
  EXPECT_TRUE(batch.errors.empty()) << toString(batch.errors.front());
  ASSERT_EQ(batch.results.size(), 5U);
  EXPECT_EQ(batch.results[0].return_code, -1002);
  EXPECT_EQ(batch.results[0].cmd, "");
  EXPECT_EQ(batch.results[1].fields, (std::vector<Field>{{"SN", "CKJF202560310"}}));
  EXPECT_EQ(batch.results[2].cmd, "VERIFY SUM");
  EXPECT_EQ(batch.results[2].fields.back(), (Field{"AttlogSum", "18"}));
  EXPECT_EQ(batch.results[3].cmd, "INFO");
  EXPECT_EQ(batch.results[3].fields, (std::vector<Field>{{"~DeviceName", "SpeedFace-V5L[TD]"},
                                                         {"MAC", "00:17:61:12:fa:f0"},
                                                         {"UserCount", "3"}}));
  EXPECT_EQ(batch.results[4].line, 9U);
  EXPECT_FALSE(commandSucceeded(batch.results[4]));
}

TEST(AdmsResults, OneFieldPerLineWithContent) {
  // Shell (§5): Content takes the rest of the body, newlines and binary included.
  const std::string body =
      "ID=32\nSN=CKJF202560310\nReturn=0\nCMD=Shell\nFILENAME=shellout.txt\n"
      "Content=line 1\nID=99&Return=0\n\0\xFF\n"s;
  const auto batch = parseCommandResults(body);
  EXPECT_TRUE(batch.errors.empty()) << toString(batch.errors.front());
  ASSERT_EQ(batch.results.size(), 1U);
  const auto& shell = batch.results[0];
  EXPECT_EQ(shell.id, "32");
  EXPECT_EQ(shell.cmd, "Shell");
  ASSERT_EQ(shell.fields.size(), 3U);
  EXPECT_EQ(shell.fields[0], (Field{"SN", "CKJF202560310"}));
  EXPECT_EQ(shell.fields[2].key, "Content");
  EXPECT_EQ(shell.fields[2].value, "line 1\nID=99&Return=0\n\0\xFF\n"s);

  // GetFile: Return is the size.
  const auto file = parseCommandResults("ID=5\nFILENAME=a\nCMD=GetFile\nReturn=3\nContent=abc");
  ASSERT_EQ(file.results.size(), 1U);
  EXPECT_EQ(file.results[0].return_code, 3);
  EXPECT_TRUE(commandSucceeded(file.results[0]));
}

TEST(AdmsResults, Errors) {
  const auto batch = parseCommandResults(
      "Return=0\n"
      "ID=&Return=0&CMD=DATA\n"
      "ID=1&CMD=DATA\n"
      "ID=2&Return=ok&CMD=DATA\n"
      "ID=3&Return=99999999999999999999&CMD=DATA\n"
      "ID=4&Return=0&CMD=INFO\n"
      "no equals sign\n"
      "ID=5&Return=0&CMD=DATA\0\n"
      "ID=6&Return=0&CMD=DATA\n"s);
  ASSERT_EQ(batch.results.size(), 2U);
  EXPECT_EQ(batch.results[0].id, "4");
  EXPECT_EQ(batch.results[1].id, "6");
  const std::vector<LineError> expected = {
      {1, "line \"Return=0\" is not a command result; expected ID=<id>&Return=<code>&CMD=<cmd>"},
      {2, "command result has an empty ID"},
      {3, "command result ID=\"1\" has no Return"},
      {4, "command result ID=\"2\" has Return \"ok\", not an integer"},
      {5, "command result ID=\"3\" has Return \"99999999999999999999\", not an integer"},
      {7, "line \"no equals sign\" in the result for ID=\"4\" has no '='"},
      {8, "line contains control byte 0x00 at column 23"},
  };
  EXPECT_EQ(batch.errors, expected);
}

TEST(AdmsResults, ReturnCodes) {
  EXPECT_EQ(describeReturnCode(0), "success");
  EXPECT_EQ(describeReturnCode(1024, "PutFile"), "success");
  EXPECT_EQ(describeReturnCode(-1), "parameter error (also: no data for the query)");
  EXPECT_EQ(describeReturnCode(-9), "template length does not match Size");
  EXPECT_EQ(describeReturnCode(-10), "PIN not on device");
  EXPECT_EQ(describeReturnCode(-1002), "not supported or invalid command syntax");
  EXPECT_EQ(describeReturnCode(-1004),
            "data does not match the configuration, or unsupported table");
  EXPECT_EQ(describeReturnCode(-7), "unknown error");
  EXPECT_EQ(describeReturnCode(2, "ENROLL_FP"), "finger already enrolled for this user");
  EXPECT_EQ(describeReturnCode(4, "ENROLL_BIO"), "enrolment failed (poor quality)");
  EXPECT_EQ(describeReturnCode(4, "ENROLL_MF"), "retries exhausted");
  EXPECT_EQ(describeReturnCode(6, "ENROLL_MF"), "cancelled with Esc");
  EXPECT_EQ(describeReturnCode(0, "ENROLL_FP"), "success");

  EXPECT_TRUE(commandSucceeded({"1", 0, "DATA", {}, 1}));
  EXPECT_TRUE(commandSucceeded({"1", 18, "VERIFY SUM", {}, 1}));
  EXPECT_FALSE(commandSucceeded({"1", -1, "DATA", {}, 1}));
  EXPECT_FALSE(commandSucceeded({"1", 2, "ENROLL_FP", {}, 1}));
  EXPECT_TRUE(commandSucceeded({"1", 0, "ENROLL_BIO", {}, 1}));
}

TEST(AdmsResults, RoundTripProperty) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::int64_t> code(-2000, 100000);
  std::vector<CommandResult> results;
  for (std::size_t i = 0; i < 100; ++i) {
    CommandResult result{"c" + std::to_string(i), code(rng), i % 3 == 0 ? "DATA" : "", {}, i + 1};
    if (i % 4 == 0) {
      result.fields.push_back({"SN", "CKJF202560310"});
    }
    results.push_back(result);
  }
  const auto batch = parseCommandResults(encodeCommandResults(results));
  EXPECT_TRUE(batch.errors.empty());
  EXPECT_EQ(batch.results, results);
}

}  // namespace
}  // namespace punchlink::adms
