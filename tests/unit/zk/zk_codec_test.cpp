// The ZK codec against the byte vectors of shared/reference/zk-protocol.md (§1.5, §3.3, §5, §11).
#include <punchlink/common/crypto.hpp>
#include <punchlink/zk/zk_constants.hpp>
#include <punchlink/zk/zk_packet.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace punchlink::zk {
namespace {

Bytes hex(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != ' ') {
      compact += c;
    }
  }
  auto bytes = crypto::fromHex(compact);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.valueOr(Bytes{});
}

Bytes repeat(std::uint8_t value, std::size_t count) { return Bytes(count, value); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

LocalSeconds localTime(int y, int mo, int d, int h, int mi, int s) {
  return makeLocalTime(y, mo, d, h, mi, s).value();
}

Packet decodeOne(const Bytes& wire) {
  const auto result = decodeTcpFrame(wire);
  const auto* decoded = std::get_if<Decoded>(&result);
  EXPECT_NE(decoded, nullptr) << toHexDump(wire);
  EXPECT_EQ(decoded != nullptr ? decoded->consumed : 0U, wire.size());
  return decoded != nullptr ? decoded->packet : Packet{};
}

// --- §1.5 checksum -----------------------------------------------------------------------------

TEST(ZkChecksum, ReferenceExamples) {
  EXPECT_EQ(encodePacket({cmd::kConnect, 0, 0, {}}), hex("e8 03 17 fc 00 00 00 00"));
  EXPECT_EQ(encodePacket({reply::kAckOk, 0xFB2F, 0, {}}), hex("d0 07 ff fc 2f fb 00 00"));
  EXPECT_EQ(encodePacket({reply::kAckOk, 0x8DF3, 10, {0x09}}), hex("d0 07 29 6a f3 8d 0a 00 09"));
  const Bytes face = hex("5a 4b 46 61 63 65 56 65 72 73 69 6f 6e 00");  // "ZKFaceVersion\0"
  EXPECT_EQ(checksum(11, 0x8DF3, 3, face), 0x175A);
}

TEST(ZkChecksum, NodeClientsConnectWithReplyIdOne) {
  EXPECT_EQ(encodeTcpPacket({cmd::kConnect, 0, 1, {}}),
            hex("50 50 82 7d 08 00 00 00 e8 03 16 fc 00 00 01 00"));
}

// --- §11 full packet vectors (session 0x4A2B) --------------------------------------------------

struct Vector {
  const char* name;
  Packet packet;
  const char* wire;
};

class ZkVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(ZkVectors, EncodesAndDecodesExactly) {
  const Vector& v = GetParam();
  const Bytes wire = hex(v.wire);
  EXPECT_EQ(encodeTcpPacket(v.packet), wire) << v.name;
  EXPECT_EQ(decodeOne(wire), v.packet) << v.name;
}

const LocalSeconds kVectorTime = makeLocalTime(2024, 3, 15, 8, 30, 45).value();

INSTANTIATE_TEST_SUITE_P(
    Reference,
    ZkVectors,
    ::testing::Values(
        Vector{"connect",
               {cmd::kConnect, 0, 0, {}},
               "50 50 82 7d 08 00 00 00 e8 03 17 fc 00 00 00 00"},
        Vector{"ack session",
               {reply::kAckOk, 0x4A2B, 0, {}},
               "50 50 82 7d 08 00 00 00 d0 07 04 ae 2b 4a 00 00"},
        Vector{"get time",
               {cmd::kGetTime, 0x4A2B, 1, {}},
               "50 50 82 7d 08 00 00 00 c9 00 0a b5 2b 4a 01 00"},
        Vector{"time reply",
               {reply::kAckOk, 0x4A2B, 1, {0xb5, 0xf9, 0x5e, 0x2e}},
               "50 50 82 7d 0c 00 00 00 d0 07 ef 85 2b 4a 01 00 b5 f9 5e 2e"},
        Vector{"options rrq",
               {cmd::kOptionsRrq, 0x4A2B, 6, hex("7e 53 65 72 69 61 6c 4e 75 6d 62 65 72 00")},
               "50 50 82 7d 16 00 00 00 0b 00 c0 6c 2b 4a 06 00 7e 53 65 72 69 61 6c 4e 75 6d 62 "
               "65 72 00"},
        Vector{"1503 users",
               {cmd::kPrepareBuffer, 0x4A2B, 2, hex("01 09 00 05 00 00 00 00 00 00 00")},
               "50 50 82 7d 13 00 00 00 df 05 f2 a1 2b 4a 02 00 01 09 00 05 00 00 00 00 00 00 00"},
        Vector{"1503 attendance",
               {cmd::kPrepareBuffer, 0x4A2B, 2, hex("01 0d 00 00 00 00 00 00 00 00 00")},
               "50 50 82 7d 13 00 00 00 df 05 f2 a2 2b 4a 02 00 01 0d 00 00 00 00 00 00 00 00 00"},
        Vector{"descriptor",
               {reply::kAckOk, 0x4A2B, 2, hex("00 b4 13 00 00 b4 13 00 00 00 00 00 00")},
               "50 50 82 7d 15 00 00 00 d0 07 db 45 2b 4a 02 00 00 b4 13 00 00 b4 13 00 00 00 00 "
               "00 00"},
        Vector{"1504",
               {cmd::kReadBuffer, 0x4A2B, 3, hex("00 00 00 00 b4 13 00 00")},
               "50 50 82 7d 10 00 00 00 e0 05 3d 9c 2b 4a 03 00 00 00 00 00 b4 13 00 00"},
        Vector{"prepare data",
               {cmd::kPrepareData, 0x4A2B, 3, hex("b4 13 00 00 f0 03 00 00")},
               "50 50 82 7d 10 00 00 00 dc 05 51 98 2b 4a 03 00 b4 13 00 00 f0 03 00 00"},
        Vector{"final ack",
               {reply::kAckOk, 0x4A2B, 3, {}},
               "50 50 82 7d 08 00 00 00 d0 07 01 ae 2b 4a 03 00"},
        Vector{"free data",
               {cmd::kFreeData, 0x4A2B, 4, {}},
               "50 50 82 7d 08 00 00 00 de 05 f2 af 2b 4a 04 00"},
        Vector{"reg event",
               {cmd::kRegEvent, 0x4A2B, 5, hex("01 00 00 00")},
               "50 50 82 7d 0c 00 00 00 f4 01 da b3 2b 4a 05 00 01 00 00 00"},
        Vector{"exit",
               {cmd::kExit, 0x4A2B, 7, {}},
               "50 50 82 7d 08 00 00 00 e9 03 e4 b1 2b 4a 07 00"}),
    [](const ::testing::TestParamInfo<Vector>& param) {
      std::string name = param.param.name;
      for (char& c : name) {
        if (c == ' ') {
          c = '_';
        }
      }
      return name;
    });

TEST(ZkVectors, SerialNumberReply) {
  const Bytes wire = hex(
      "50 50 82 7d 24 00 00 00 d0 07 71 db 2b 4a 06 00 7e 53 65 72 69 61 6c 4e 75 6d 62 65 72 3d "
      "41 42 43 31 32 33 34 35 36 37 38 39 30 00");
  const Packet packet = decodeOne(wire);
  EXPECT_EQ(parseOptionReply(packet.data, "~SerialNumber").value(), "ABC1234567890");
  EXPECT_FALSE(parseOptionReply(packet.data, "~DeviceName").ok());
}

TEST(ZkVectors, AttendanceEventTcp) {
  const Bytes payload = concat(
      {hex("31 30 30 31"), repeat(0, 20), hex("01 00 18 03 0f 08 1e 2d"), hex("00 00 00 00")});
  const Bytes wire = concat({hex("50 50 82 7d 2c 00 00 00 f4 01 63 64 01 00 00 00"), payload});
  const Packet packet = decodeOne(wire);
  EXPECT_EQ(packet.command, cmd::kRegEvent);
  EXPECT_EQ(packet.session, event::kAttLog);
  const auto punch = decodeAttendanceEvent(packet.data).value();
  EXPECT_EQ(punch.user_id, "1001");
  EXPECT_EQ(punch.verify, 1);
  EXPECT_EQ(punch.state, 0);
  EXPECT_EQ(punch.time, kVectorTime);
  AttendanceRecord record{0, "1001", 1, 0, kVectorTime, 0};
  EXPECT_EQ(encodeAttendanceEvent36(record), payload);
}

TEST(ZkVectors, AttendanceEventUdp10Bytes) {
  const Bytes wire = hex("f4 01 bd c5 01 00 00 00 07 00 01 00 18 03 0f 08 1e 2d");
  const Packet packet = decodeDatagram(wire).value();
  const auto punch = decodeAttendanceEvent(packet.data).value();
  EXPECT_EQ(punch.uid.value(), 7);
  EXPECT_TRUE(punch.user_id.empty());
  EXPECT_EQ(punch.verify, 1);
  EXPECT_EQ(punch.time, kVectorTime);
  AttendanceRecord record{7, "1001", 1, 0, kVectorTime, 0};
  EXPECT_EQ(encodePacket({cmd::kRegEvent, 1, 0, encodeAttendanceEvent10(record)}), wire);
}

TEST(ZkVectors, RealPyzkCaptures) {
  EXPECT_EQ(decodeOne(hex("5050827d08000000d007fffc2ffb0000")).session, 0xFB2F);
  EXPECT_EQ(decodeOne(hex("5050827d08000000e903e6002ffb0100")).command, cmd::kExit);
  EXPECT_EQ(decodeOne(hex("5050827d080000003200fcb9cf450200")).command, cmd::kGetFreeSizes);
  EXPECT_EQ(decodeOne(hex("5050827d13000000df053ca6cf4514000109000500000000000000")).reply_id, 20);
  // ACK_UNAUTH then the AUTH answer for key 12 (§3.3).
  EXPECT_EQ(decodeOne(hex("5050827d08000000d5075bb2cf450000")).command, reply::kAckUnauth);
  const Packet auth = decodeOne(hex("5050827d0c0000004e044e2ccf45010061 4d 32 3c"));
  EXPECT_EQ(auth.command, cmd::kAuth);
  EXPECT_TRUE(checkCommKey(auth.data, 12, 0x45CF));
}

// --- §3.3 comm key -----------------------------------------------------------------------------

TEST(ZkCommKey, ReferenceTable) {
  const auto bytes = [](std::array<std::uint8_t, 4> a) { return Bytes(a.begin(), a.end()); };
  EXPECT_EQ(bytes(makeCommKey(0, 0x4A2B)), hex("61 7d 32 33"));
  EXPECT_EQ(bytes(makeCommKey(123456, 0x4A2B)), hex("26 7f 32 b3"));
  EXPECT_EQ(bytes(makeCommKey(12, 0x45CF)), hex("61 4d 32 3c"));
  EXPECT_EQ(bytes(makeCommKey(45, 0x45CF)), hex("61 c9 32 3c"));
}

TEST(ZkCommKey, CheckAcceptsAnyTicksAndRejectsWrongKeys) {
  // The proof drops byte b0 (§3.3 step 5), so only sessions differing above the low byte of the
  // sum are told apart; 0x1234 vs 0x1334 differ in byte 1.
  for (std::uint8_t ticks : {std::uint8_t{0}, std::uint8_t{50}, std::uint8_t{200}}) {
    const auto proof = makeCommKey(999999, 0x1234, ticks);
    EXPECT_TRUE(checkCommKey(proof, 999999, 0x1234));
    EXPECT_FALSE(checkCommKey(proof, 999998, 0x1234));
    EXPECT_FALSE(checkCommKey(proof, 999999, 0x1334));
  }
  EXPECT_FALSE(checkCommKey(Bytes{1, 2}, 0, 0));
}

// --- §5.5 time ---------------------------------------------------------------------------------

TEST(ZkTime, PackedReferenceValues) {
  EXPECT_EQ(encodePackedTime(kVectorTime), 0x2E5EF9B5U);
  EXPECT_EQ(decodePackedTime(0x2E5EF9B5U).value(), kVectorTime);
  EXPECT_EQ(decodePackedTime(0x2368B36BU).value(), localTime(2018, 6, 25, 17, 50, 35));
  EXPECT_EQ(decodePackedTime(0).value(), localTime(2000, 1, 1, 0, 0, 0));
}

TEST(ZkTime, ImpossibleDatesAreErrors) {
  // Day index 30 of February (31-day months in the packing) is Feb 31.
  const std::uint32_t feb31 = ((24 * 12 * 31) + (1 * 31) + 30) * 86400U;
  EXPECT_FALSE(decodePackedTime(feb31).ok());
}

TEST(ZkTime, RoundTripAcrossYears) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const auto t = localTime(2000 + static_cast<int>(rng() % 99), 1 + static_cast<int>(rng() % 12),
                             1 + static_cast<int>(rng() % 28), static_cast<int>(rng() % 24),
                             static_cast<int>(rng() % 60), static_cast<int>(rng() % 60));
    EXPECT_EQ(decodePackedTime(encodePackedTime(t)).value(), t);
  }
}

// --- §5.1 attendance records -------------------------------------------------------------------

TEST(ZkAttendance, ReferenceVectors) {
  const AttendanceRecord record{7, "1001", 1, 0, kVectorTime, 0};
  const Bytes r40 =
      concat({hex("07 00 31 30 30 31"), repeat(0, 20), hex("01 b5 f9 5e 2e 00"), repeat(0, 8)});
  const Bytes r16 = hex("e9 03 00 00 b5 f9 5e 2e 00 01 00 00 00 00 00 00");
  const Bytes r8 = hex("07 00 01 b5 f9 5e 2e 00");
  Bytes out;
  encodeAttendance(record, AttendanceFormat::Record40, out);
  EXPECT_EQ(out, r40);
  out.clear();
  encodeAttendance(record, AttendanceFormat::Record16, out);
  EXPECT_EQ(out, r16);
  out.clear();
  encodeAttendance(record, AttendanceFormat::Record8, out);
  EXPECT_EQ(out, r8);

  EXPECT_EQ(decodeAttendance(r40, AttendanceFormat::Record40).value(), record);
  auto from16 = decodeAttendance(r16, AttendanceFormat::Record16).value();
  EXPECT_EQ(from16.user_id, "1001");
  EXPECT_EQ(from16.time, kVectorTime);
  EXPECT_EQ(from16.verify, 1);
  auto from8 = decodeAttendance(r8, AttendanceFormat::Record8).value();
  EXPECT_EQ(from8.uid, 7);
  EXPECT_TRUE(from8.user_id.empty());
  EXPECT_EQ(from8.time, kVectorTime);
}

TEST(ZkAttendance, ShortInputIsAnError) {
  EXPECT_FALSE(decodeAttendance(Bytes(39, 0), AttendanceFormat::Record40).ok());
  EXPECT_FALSE(decodeAttendance(Bytes(7, 0), AttendanceFormat::Record8).ok());
}

// --- §5.2 users --------------------------------------------------------------------------------

TEST(ZkUser, ReferenceVectors) {
  const UserRecord user{7, 14, "1234", "John Doe", 123456, 1, "1001"};
  const Bytes r72 =
      concat({hex("07 00 0e 31 32 33 34 00 00 00 00 4a 6f 68 6e 20 44 6f 65"), repeat(0, 16),
              hex("40 e2 01 00 01"), repeat(0, 8), hex("31 30 30 31"), repeat(0, 20)});
  Bytes out;
  encodeUser(user, UserFormat::Record72, out);
  EXPECT_EQ(out, r72);
  EXPECT_EQ(decodeUser(r72, UserFormat::Record72).value(), user);

  const Bytes r28 =
      hex("07 00 0e 31 32 33 34 00 4a 6f 68 6e 00 00 00 00 40 e2 01 00 00 01 00 00 e9 03 00 00");
  UserRecord short_name = user;
  short_name.name = "John";
  out.clear();
  encodeUser(short_name, UserFormat::Record28, out);
  EXPECT_EQ(out, r28);
  EXPECT_EQ(decodeUser(r28, UserFormat::Record28).value(), short_name);
}

// --- §5.3 templates, §5.4 free sizes -----------------------------------------------------------

TEST(ZkTemplate, RoundTripAndLimits) {
  TemplateRecord record{14, 4, 1, hex("4d fd 53 53 32 31 01 02 03")};
  Bytes out;
  encodeTemplate(record, out);
  EXPECT_EQ(out.size(), 6 + record.data.size());
  std::size_t consumed = 0;
  EXPECT_EQ(decodeTemplate(out, consumed).value(), record);
  EXPECT_EQ(consumed, out.size());

  Bytes bad = out;
  bad[4] = 12;  // finger index
  EXPECT_FALSE(decodeTemplate(bad, consumed).ok());
  bad = out;
  putU16(bad, 0, 3);  // shorter than its own header
  EXPECT_FALSE(decodeTemplate(bad, consumed).ok());
  bad = out;
  putU16(bad, 0, 60000);  // longer than the data and the limit
  EXPECT_FALSE(decodeTemplate(bad, consumed).ok());
}

TEST(ZkFreeSizes, RealCaptureValues) {
  FreeSizes sizes;
  sizes.users = 70;
  sizes.fingers = 70;
  sizes.records = 3225;
  sizes.oplog = 282;
  sizes.admins = 6;
  sizes.passwords = 6;
  sizes.fingers_capacity = 500;
  sizes.users_capacity = 500;
  sizes.records_capacity = 50000;
  const Bytes wire = encodeFreeSizes(sizes);
  ASSERT_EQ(wire.size(), 80U);
  EXPECT_EQ(readU32(wire, 76), 46775U);  // remaining records, as in the capture
  EXPECT_EQ(decodeFreeSizes(wire).value(), sizes);
  sizes.faces = 3;
  sizes.faces_capacity = 100;
  EXPECT_EQ(decodeFreeSizes(encodeFreeSizes(sizes)).value(), sizes);
  EXPECT_FALSE(decodeFreeSizes(Bytes(68, 0)).ok());
}

// --- §6.3 event variants -----------------------------------------------------------------------

TEST(ZkEvents, AllPayloadLengths) {
  const Bytes time = hex("18 03 0f 08 1e 2d");
  const Bytes user24 = concat({hex("31 30 30 31"), repeat(0, 20)});
  const auto check = [&](const Bytes& payload, const std::string& user_id) {
    const auto punch = decodeAttendanceEvent(payload);
    ASSERT_TRUE(punch.ok()) << payload.size() << ": " << punch.error();
    EXPECT_EQ(punch->user_id, user_id) << payload.size();
    EXPECT_EQ(punch->time, kVectorTime) << payload.size();
    EXPECT_EQ(punch->state, 1) << payload.size();
  };
  check(concat({hex("07 00 0f 01"), time}), "");  // uid-only forms carry no user id

  check(concat({hex("f1 94 49 00 0f 01"), time}), "4822257");
  check(concat({hex("07 00 0f 01"), time, repeat(0, 4)}), "");
  check(concat({user24, hex("0f 01"), time}), "1001");
  check(concat({user24, hex("0f 01"), time, repeat(0, 4)}), "1001");
  check(concat({user24, hex("0f 01"), time, repeat(0, 5)}), "1001");
  check(concat({user24, hex("0f 01"), time, repeat(0, 20)}), "1001");
  EXPECT_FALSE(decodeAttendanceEvent(repeat(0, 20)).ok());
  EXPECT_FALSE(decodeAttendanceEvent(concat({user24, hex("0f 01 18 0d 0f 08 1e 2d")})).ok());
}

TEST(ZkEvents, RejectedPunchFlag) {
  const Bytes payload =
      concat({hex("31"), repeat(0, 23), hex("01 81 18 03 0f 08 1e 2d"), repeat(0, 4)});
  const auto punch = decodeAttendanceEvent(payload).value();
  EXPECT_TRUE(punch.rejected);
  EXPECT_EQ(punch.state, 1);
}

// --- §6.1 device events ------------------------------------------------------------------------

// An event as the decoder reports it: the flag follows from the kind.
DeviceEvent made(DeviceEventKind kind,
                 std::uint32_t code = 0,
                 std::optional<std::uint32_t> uid = std::nullopt) {
  return {kind, deviceEventFlag(kind), code, uid};
}

DeviceEvent decodedEvent(std::uint32_t flag, std::string_view payload) {
  const auto event = decodeDeviceEvent(static_cast<std::uint16_t>(flag), hex(payload));
  EXPECT_TRUE(event.ok()) << payload << ": " << (event.ok() ? "" : event.error().toString());
  return event.valueOr(DeviceEvent{});
}

TEST(ZkDeviceEvents, AlarmFourByteFormsOfTheReference) {
  // ZKP: the first byte names the alarm; FW main.c sends it as a u32.
  EXPECT_EQ(decodedEvent(event::kAlarm, "37 00 00 00"),
            (DeviceEvent{DeviceEventKind::Tamper, 512, 0x37, std::nullopt}));
  EXPECT_EQ(decodedEvent(event::kAlarm, "35 00 00 00"),
            (DeviceEvent{DeviceEventKind::ExitButton, 512, 0x35, std::nullopt}));
  EXPECT_EQ(decodedEvent(event::kAlarm, "3a 00 00 00"),
            (DeviceEvent{DeviceEventKind::Misoperation, 512, 0x3A, std::nullopt}));
  EXPECT_EQ(decodedEvent(event::kAlarm, "99 01 02 03"),
            (DeviceEvent{DeviceEventKind::OtherAlarm, 512, 0x99, std::nullopt}));
}

TEST(ZkDeviceEvents, DoorSensorEightByteForms) {
  // FW: [54 = door sensor][5 closed]; ZKP's capture: first byte 0x54.
  EXPECT_EQ(decodedEvent(event::kAlarm, "36 00 00 00 05 00 00 00"),
            (DeviceEvent{DeviceEventKind::DoorClosed, 512, 0x36, std::nullopt}));
  EXPECT_EQ(decodedEvent(event::kAlarm, "54 00 00 00 00 00 00 00"),
            (DeviceEvent{DeviceEventKind::DoorClosed, 512, 0x54, std::nullopt}));
  // FW's open (4) and forced open (1) states of its door sensor: the door is open.
  EXPECT_EQ(decodedEvent(event::kAlarm, "36 00 00 00 04 00 00 00"),
            (DeviceEvent{DeviceEventKind::DoorOpened, 512, 0x36, std::nullopt}));
  EXPECT_EQ(decodedEvent(event::kAlarm, "36 00 00 00 01 00 00 00").kind,
            DeviceEventKind::DoorOpened);
}

TEST(ZkDeviceEvents, UserAlarmTwelveBytes) {
  // ZKP/FW: [ff ff ff ff][type u16][uid u16][match type u32]; duress is type 0x20.
  EXPECT_EQ(decodedEvent(event::kAlarm, "ff ff ff ff 20 00 07 00 01 00 00 00"),
            (DeviceEvent{DeviceEventKind::Duress, 512, 0x20, 7U}));
  EXPECT_EQ(decodedEvent(event::kAlarm, "ff ff ff ff 22 00 2a 01 01 00 00 00"),
            (DeviceEvent{DeviceEventKind::OtherAlarm, 512, 0x22, 0x12AU}));
  // FW's anti-passback alarm sends 16 bytes (4 stray ones after the 12).
  EXPECT_EQ(decodedEvent(event::kAlarm, "ff ff ff ff 22 00 03 00 01 00 00 00 de ad be ef"),
            (DeviceEvent{DeviceEventKind::OtherAlarm, 512, 0x22, 3U}));
  const auto garbage = decodeDeviceEvent(512, hex("00 ff ff ff 20 00 07 00 01 00 00 00"));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, ErrorCode::InvalidInput);
}

TEST(ZkDeviceEvents, VerifyAndUnlock) {
  EXPECT_EQ(decodedEvent(event::kVerify, "ff ff ff ff 01"),
            (DeviceEvent{DeviceEventKind::VerifyFailed, 128, 0, std::nullopt}));
  EXPECT_EQ(decodedEvent(event::kVerify, "ff ff ff ff").kind, DeviceEventKind::VerifyFailed);
  // A known uid is a successful verification: NotFound, so callers can ignore it quietly.
  const auto identified = decodeDeviceEvent(128, hex("07 00 00 00 01"));
  ASSERT_FALSE(identified.ok());
  EXPECT_EQ(identified.error().code, ErrorCode::NotFound);
  EXPECT_EQ(decodedEvent(event::kUnlock, ""),
            (DeviceEvent{DeviceEventKind::Unlock, 32, 0, std::nullopt}));
  EXPECT_EQ(decodedEvent(event::kUnlock, "31 00").kind, DeviceEventKind::Unlock);
}

TEST(ZkDeviceEvents, ShortGarbageAndOtherFlagsAreInvalidInput) {
  const auto invalid = [](std::uint16_t flag, const Bytes& payload) {
    const auto event = decodeDeviceEvent(flag, payload);
    return !event.ok() && event.error().code == ErrorCode::InvalidInput;
  };
  EXPECT_TRUE(invalid(512, {}));
  EXPECT_TRUE(invalid(512, hex("37")));
  EXPECT_TRUE(invalid(512, hex("37 00 00")));
  EXPECT_TRUE(invalid(512, repeat(0, 5)));
  EXPECT_TRUE(invalid(512, repeat(0xFF, 13)));
  EXPECT_TRUE(invalid(128, hex("ff ff ff")));
  EXPECT_TRUE(invalid(128, repeat(0xFF, 6)));
  EXPECT_TRUE(invalid(1, hex("37 00 00 00")));  // EF_ATTLOG is a punch, not a device event
  EXPECT_TRUE(invalid(0, {}));
  EXPECT_TRUE(invalid(32, repeat(0, kMaxDeviceEventPayload + 1)));
}

TEST(ZkDeviceEvents, EncodesWhatFirmwareSends) {
  EXPECT_EQ(encodeDeviceEvent(made(DeviceEventKind::Tamper)), hex("37 00 00 00"));
  EXPECT_EQ(encodeDeviceEvent(made(DeviceEventKind::ExitButton)), hex("35 00 00 00"));
  EXPECT_EQ(encodeDeviceEvent(made(DeviceEventKind::Misoperation)), hex("3a 00 00 00"));
  EXPECT_EQ(encodeDeviceEvent(made(DeviceEventKind::DoorClosed, kAlarmDoorSensor)),
            hex("36 00 00 00 05 00 00 00"));
  EXPECT_EQ(encodeDeviceEvent(made(DeviceEventKind::Duress, 0, 7U)),
            hex("ff ff ff ff 20 00 07 00 00 00 00 00"));
  EXPECT_EQ(encodeDeviceEvent(made(DeviceEventKind::VerifyFailed)), hex("ff ff ff ff 01"));
  EXPECT_TRUE(encodeDeviceEvent(made(DeviceEventKind::Unlock)).empty());
  EXPECT_EQ(deviceEventFlag(DeviceEventKind::Unlock), 32);
  EXPECT_EQ(deviceEventFlag(DeviceEventKind::VerifyFailed), 128);
  EXPECT_EQ(deviceEventFlag(DeviceEventKind::Duress), 512);
  EXPECT_EQ(deviceEventKindName(DeviceEventKind::DoorClosed), "door_closed");
}

TEST(ZkDeviceEvents, FullPacketsOnTheWire) {
  // §6.2: command 500, the flag in the session field, reply id 0; checksums computed with §1.5.
  const auto packet = [](const DeviceEvent& event) {
    return encodeTcpPacket(
        {cmd::kRegEvent, deviceEventFlag(event.kind), 0, encodeDeviceEvent(event)});
  };
  EXPECT_EQ(packet(made(DeviceEventKind::Tamper)),
            hex("50 50 82 7d 0c 00 00 00 f4 01 d4 fb 00 02 00 00 37 00 00 00"));
  EXPECT_EQ(packet(made(DeviceEventKind::Unlock)),
            hex("50 50 82 7d 08 00 00 00 f4 01 eb fd 20 00 00 00"));
  EXPECT_EQ(packet(made(DeviceEventKind::VerifyFailed)),
            hex("50 50 82 7d 0d 00 00 00 f4 01 8a fd 80 00 00 00 ff ff ff ff 01"));
  EXPECT_EQ(packet(made(DeviceEventKind::DoorClosed, kAlarmDoorSensor)),
            hex("50 50 82 7d 10 00 00 00 f4 01 d0 fb 00 02 00 00 36 00 00 00 05 00 00 00"));
  EXPECT_EQ(packet(made(DeviceEventKind::Duress, kAlarmDuress, 7U)),
            hex("50 50 82 7d 14 00 00 00 f4 01 e4 fb 00 02 00 00 ff ff ff ff 20 00 07 00 00 00 "
                "00 00"));
  const Packet decoded =
      decodeOne(hex("50 50 82 7d 0c 00 00 00 f4 01 d6 fb 00 02 00 00 35 00 00 00"));
  EXPECT_EQ(decodeDeviceEvent(decoded.session, decoded.data).value().kind,
            DeviceEventKind::ExitButton);
}

TEST(ZkDeviceEvents, RoundTripOfEveryDecodedEvent) {
  std::vector<DeviceEvent> events = {
      {DeviceEventKind::Unlock, 32, 0, std::nullopt},
      {DeviceEventKind::VerifyFailed, 128, 0, std::nullopt},
      {DeviceEventKind::Tamper, 512, kAlarmTamper, std::nullopt},
      {DeviceEventKind::ExitButton, 512, kAlarmExitButton, std::nullopt},
      {DeviceEventKind::Misoperation, 512, kAlarmMisoperation, std::nullopt},
      {DeviceEventKind::DoorOpened, 512, kAlarmDoorSensor, std::nullopt},
      {DeviceEventKind::DoorClosed, 512, kAlarmDoorSensor, std::nullopt},
      {DeviceEventKind::DoorClosed, 512, 0x54, std::nullopt},
      {DeviceEventKind::Duress, 512, kAlarmDuress, 0U},
      {DeviceEventKind::Duress, 512, kAlarmDuress, 65535U},
      {DeviceEventKind::OtherAlarm, 512, kAlarmAntiPassback, 12U},
      {DeviceEventKind::OtherAlarm, 512, 0x99, std::nullopt},
  };
  // Everything the decoder makes of random alarm payloads round-trips as well.
  std::mt19937 rng(29);
  for (int i = 0; i < 2000; ++i) {
    static constexpr std::array<std::size_t, 5> kSizes = {4, 8, 12, 16, 5};
    Bytes payload(kSizes[rng() % kSizes.size()]);
    for (auto& byte : payload) {
      byte = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0xFF : rng() % 64);
    }
    for (const std::uint16_t flag : {std::uint16_t{32}, std::uint16_t{128}, std::uint16_t{512}}) {
      if (auto event = decodeDeviceEvent(flag, payload)) {
        events.push_back(*event);
      }
    }
  }
  for (const auto& event : events) {
    const Bytes payload = encodeDeviceEvent(event);
    const auto again = decodeDeviceEvent(deviceEventFlag(event.kind), payload);
    ASSERT_TRUE(again.ok()) << deviceEventKindName(event.kind) << ": " << again.error();
    EXPECT_EQ(*again, event) << deviceEventKindName(event.kind) << " " << toHexDump(payload);
  }
}

// --- framing edge cases ------------------------------------------------------------------------

TEST(ZkFraming, StreamWithSeveralAndPartialPackets) {
  Bytes stream;
  encodeTcpPacket({reply::kAckOk, 1, 1, {}}, stream);
  encodeTcpPacket({cmd::kData, 0, 1, Bytes(1000, 0xAB)}, stream);
  std::size_t offset = 0;
  int packets = 0;
  // Feed one byte more at a time: every prefix either needs more or yields a packet.
  Bytes buffer;
  for (std::uint8_t byte : stream) {
    buffer.push_back(byte);
    const auto result = decodeTcpFrame(buffer);
    if (const auto* decoded = std::get_if<Decoded>(&result)) {
      ++packets;
      offset += decoded->consumed;
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(decoded->consumed));
    } else {
      ASSERT_TRUE(std::holds_alternative<NeedMore>(result));
    }
  }
  EXPECT_EQ(packets, 2);
  EXPECT_EQ(offset, stream.size());
}

TEST(ZkFraming, GarbageIsSkippedToTheNextEnvelope) {
  Bytes stream = hex("01 02 03 50");
  encodeTcpPacket({reply::kAckOk, 1, 1, {}}, stream);
  const auto first = decodeTcpFrame(stream);
  const auto* malformed = std::get_if<Malformed>(&first);
  ASSERT_NE(malformed, nullptr);
  EXPECT_EQ(malformed->skip, 4U);
  const auto second = decodeTcpFrame(ByteView(stream).subspan(malformed->skip));
  EXPECT_TRUE(std::holds_alternative<Decoded>(second));
}

TEST(ZkFraming, HugeLengthIsRefusedWithoutAllocating) {
  const Bytes wire = hex("50 50 82 7d ff ff ff 7f e8 03 17 fc 00 00 00 00");
  const auto result = decodeTcpFrame(wire);
  const auto* malformed = std::get_if<Malformed>(&result);
  ASSERT_NE(malformed, nullptr);
  EXPECT_NE(malformed->reason.find("length"), std::string::npos);
}

TEST(ZkFraming, BadChecksumIsMalformedUnlessIgnored) {
  Bytes wire = encodeTcpPacket({cmd::kGetTime, 5, 1, {}});
  wire[10] ^= 0xFF;
  const auto strict = decodeTcpFrame(wire);
  ASSERT_TRUE(std::holds_alternative<Malformed>(strict));
  EXPECT_NE(std::get<Malformed>(strict).reason.find("checksum"), std::string::npos);
  EXPECT_EQ(std::get<Malformed>(strict).skip, wire.size());
  EXPECT_TRUE(std::holds_alternative<Decoded>(decodeTcpFrame(wire, ChecksumPolicy::Ignore)));
  EXPECT_FALSE(decodeDatagram(Bytes(7, 0)).ok());
}

TEST(ZkFraming, RandomRoundTrips) {
  std::mt19937 rng(11);
  for (int i = 0; i < 500; ++i) {
    Packet packet{static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()),
                  static_cast<std::uint16_t>(rng()), Bytes(rng() % 2000)};
    for (auto& byte : packet.data) {
      byte = static_cast<std::uint8_t>(rng());
    }
    EXPECT_EQ(decodeOne(encodeTcpPacket(packet)), packet);
    EXPECT_EQ(decodeDatagram(encodePacket(packet)).value(), packet);
  }
}

// --- §4 bulk descriptors -----------------------------------------------------------------------

TEST(ZkBulk, QueryDescriptorAndRange) {
  const BufferQuery users{cmd::kUserTempRrq, fct::kUser, 0};
  EXPECT_EQ(encodeBufferQuery(users), hex("01 09 00 05 00 00 00 00 00 00 00"));
  const auto decoded = decodeBufferQuery(encodeBufferQuery(users)).value();
  EXPECT_EQ(decoded.command, cmd::kUserTempRrq);
  EXPECT_EQ(decoded.param1, fct::kUser);
  EXPECT_EQ(encodeBufferDescriptor({5044, 0}), hex("00 b4 13 00 00 b4 13 00 00 00 00 00 00"));
  EXPECT_EQ(decodeBufferDescriptor(hex("00 b4 13 00 00 b4 13 00 00 cd ef 23 00")).value().size,
            5044U);
  EXPECT_EQ(encodeRange({5044, 1008}), hex("b4 13 00 00 f0 03 00 00"));
  EXPECT_FALSE(decodeRange(Bytes(7, 0)).ok());
  EXPECT_FALSE(decodeBufferQuery(Bytes(10, 0)).ok());
}

TEST(ZkBulk, HashIsPjwModulo) {
  EXPECT_EQ(bufferHash(Bytes{}), 0U);
  EXPECT_EQ(bufferHash(Bytes{1}), 1U);
  EXPECT_LT(bufferHash(Bytes(5000, 0xFF)), 16711679U);
}

}  // namespace
}  // namespace punchlink::zk
