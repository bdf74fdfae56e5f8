#include <punchlink/zk/zk_bulk.hpp>
#include <punchlink/zk/zk_constants.hpp>

#include <gtest/gtest.h>

namespace punchlink::zk {
namespace {

LocalSeconds at(int minute) { return makeLocalTime(2024, 3, 15, 8, minute, 0).value(); }

Bytes attendanceTable(int count, AttendanceFormat format) {
  Bytes records;
  for (int i = 0; i < count; ++i) {
    encodeAttendance({static_cast<std::uint16_t>(i + 1), std::to_string(1000 + i), 1,
                      static_cast<std::uint8_t>(i % 2), at(i % 60), 0},
                     format, records);
  }
  Bytes table;
  appendU32(table, static_cast<std::uint32_t>(records.size()));
  table.insert(table.end(), records.begin(), records.end());
  return table;
}

TEST(ChunkReceiver, PrepareDataAck) {
  ChunkReceiver receiver(10);
  EXPECT_EQ(receiver.feed({cmd::kPrepareData, 0, 3, encodeRange({10, 4})}),
            ChunkReceiver::State::Receiving);
  receiver.feed({cmd::kData, 0, 3, {1, 2, 3, 4}});
  receiver.feed({cmd::kData, 1, 3, {5, 6, 7, 8}});
  receiver.feed({cmd::kData, 2, 3, {9, 10}});
  EXPECT_EQ(receiver.feed({reply::kAckOk, 0, 3, {}}), ChunkReceiver::State::Done);
  EXPECT_EQ(receiver.data(), (Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST(ChunkReceiver, InlineAnswer) {
  ChunkReceiver receiver(3);
  EXPECT_EQ(receiver.feed({cmd::kData, 0, 3, {7, 8, 9}}), ChunkReceiver::State::Done);
  EXPECT_EQ(receiver.data(), (Bytes{7, 8, 9}));
}

TEST(ChunkReceiver, RejectsInconsistentAnswers) {
  ChunkReceiver wrong_size(10);
  EXPECT_EQ(wrong_size.feed({cmd::kPrepareData, 0, 3, encodeRange({11, 4})}),
            ChunkReceiver::State::Failed);
  ChunkReceiver overflow(4);
  overflow.feed({cmd::kPrepareData, 0, 3, encodeRange({4, 4})});
  EXPECT_EQ(overflow.feed({cmd::kData, 0, 3, {1, 2, 3, 4, 5}}), ChunkReceiver::State::Failed);
  ChunkReceiver short_data(4);
  short_data.feed({cmd::kPrepareData, 0, 3, encodeRange({4, 4})});
  short_data.feed({cmd::kData, 0, 3, {1, 2}});
  EXPECT_EQ(short_data.feed({reply::kAckOk, 0, 3, {}}), ChunkReceiver::State::Failed);
  EXPECT_NE(short_data.error().find("2 of 4"), std::string::npos);
  ChunkReceiver refused(4);
  EXPECT_EQ(refused.feed({reply::kAckError, 0, 3, {}}), ChunkReceiver::State::Failed);
}

TEST(RecordStream, AnySplitGivesTheSameRecords) {
  const Bytes table = attendanceTable(7, AttendanceFormat::Record40);
  for (std::size_t piece = 1; piece <= table.size(); piece += 3) {
    std::vector<AttendanceRecord> records;
    RecordStream stream(RecordKind::Attendance, 0, 7);
    stream.onAttendance([&](const AttendanceRecord& r) { records.push_back(r); });
    for (std::size_t offset = 0; offset < table.size(); offset += piece) {
      ASSERT_TRUE(
          stream.feed(ByteView(table).subspan(offset, std::min(piece, table.size() - offset))));
    }
    ASSERT_TRUE(stream.finish().ok()) << piece;
    ASSERT_EQ(records.size(), 7U) << piece;
    EXPECT_EQ(records[6].user_id, "1006");
    EXPECT_EQ(records[6].time, at(6));
  }
}

TEST(RecordStream, InfersEachAttendanceFormat) {
  for (auto format :
       {AttendanceFormat::Record40, AttendanceFormat::Record16, AttendanceFormat::Record8}) {
    RecordStream stream(RecordKind::Attendance, 0, 5);
    std::uint64_t seen = 0;
    stream.onAttendance([&](const AttendanceRecord&) { ++seen; });
    ASSERT_TRUE(stream.feed(attendanceTable(5, format)).ok());
    ASSERT_TRUE(stream.finish().ok());
    EXPECT_EQ(seen, 5U);
  }
}

TEST(RecordStream, WrongCountFallsBackToADividingSize) {
  // Some models report 0 records in free sizes (§8.6).
  RecordStream stream(RecordKind::Attendance, 0, 0);
  ASSERT_TRUE(stream.feed(attendanceTable(3, AttendanceFormat::Record40)).ok());
  EXPECT_EQ(stream.records(), 3U);
}

TEST(RecordStream, ErrorsForTruncatedOrOverlongTables) {
  Bytes table = attendanceTable(2, AttendanceFormat::Record40);
  RecordStream truncated(RecordKind::Attendance, 40);
  ASSERT_TRUE(truncated.feed(ByteView(table).first(table.size() - 5)).ok());
  EXPECT_FALSE(truncated.finish().ok());
  RecordStream overlong(RecordKind::Attendance, 40);
  table.push_back(0);
  EXPECT_FALSE(overlong.feed(table).ok());
  RecordStream odd(RecordKind::Attendance, 0, 2);
  Bytes weird{7, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_FALSE(odd.feed(weird).ok());
}

TEST(RecordStream, TemplatesOfVaryingSize) {
  Bytes records;
  encodeTemplate({1, 0, 1, Bytes(100, 1)}, records);
  encodeTemplate({1, 3, 1, Bytes(1500, 3)}, records);
  encodeTemplate({2, 9, 3, Bytes(7, 9)}, records);
  Bytes table;
  appendU32(table, static_cast<std::uint32_t>(records.size()));
  table.insert(table.end(), records.begin(), records.end());
  std::vector<TemplateRecord> seen;
  RecordStream stream(RecordKind::Template, 0);
  stream.onTemplate([&](const TemplateRecord& t) { seen.push_back(t); });
  for (std::size_t offset = 0; offset < table.size(); offset += 64) {
    ASSERT_TRUE(stream.feed(
        ByteView(table).subspan(offset, std::min<std::size_t>(64, table.size() - offset))));
  }
  ASSERT_TRUE(stream.finish().ok());
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[1].data.size(), 1500U);
  EXPECT_EQ(seen[2].valid, 3);
}

TEST(BatchUpload, LayoutMatchesTheReference) {
  const UserRecord user{7, 0, "", "Ann", 0, 1, "1001"};
  const Bytes buffer =
      encodeBatchUpload({user}, {{7, 2, 1, Bytes(10, 0xAA)}}, UserFormat::Record72);
  ASSERT_GE(buffer.size(), 12U);
  EXPECT_EQ(readU32(buffer, 0), 73U);  // [op][72-byte user]
  EXPECT_EQ(readU32(buffer, 4), 8U);   // one table entry
  EXPECT_EQ(readU32(buffer, 8), 12U);  // [len u16][10 bytes]
  EXPECT_EQ(buffer[12], 2);            // op: add or overwrite
  const std::size_t table = 12 + 73;
  EXPECT_EQ(readU16(buffer, table + 1), 7);
  EXPECT_EQ(buffer[table + 3], 0x12);  // valid 1 in the high nibble, finger 2 in the low
  EXPECT_EQ(readU32(buffer, table + 4), 0U);
  EXPECT_EQ(readU16(buffer, table + 8), 10);
}

}  // namespace
}  // namespace punchlink::zk
