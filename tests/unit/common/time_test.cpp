#include <punchlink/common/time_zone.hpp>
#include <punchlink/common/utc_time.hpp>

#include <gtest/gtest.h>

namespace punchlink {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

LocalSeconds local(int y, int mo, int d, int h, int mi, int s = 0) {
  return makeLocalTime(y, mo, d, h, mi, s).value();
}

std::string utcOf(const TimeZone& zone, LocalSeconds time) {
  return formatRfc3339(zone.toUtc(time));
}

TEST(Rfc3339, FormatsUtcWithZ) {
  const UtcSeconds t = UtcSeconds{date::sys_days{date::year{2026} / 3 / 27}} + hours{8} +
                       minutes{30} + std::chrono::seconds{12};
  EXPECT_EQ(formatRfc3339(t), "2026-03-27T08:30:12Z");
  EXPECT_EQ(formatRfc3339Millis(UtcMillis{t} + std::chrono::milliseconds{45}),
            "2026-03-27T08:30:12.045Z");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(formatRfc3339Millis(parseRfc3339("2026-03-27T08:30:12Z").value()),
            "2026-03-27T08:30:12.000Z");
  EXPECT_EQ(formatRfc3339Millis(parseRfc3339("2026-03-27T10:30:12.5+02:00").value()),
            "2026-03-27T08:30:12.500Z");
  EXPECT_EQ(formatRfc3339Millis(parseRfc3339("2026-03-26t23:00:00.123456-09:30").value()),
            "2026-03-27T08:30:00.123Z");
}

TEST(Rfc3339, RejectsMalformedInputWithReason) {
  for (const char* bad :
       {"", "2026-03-27", "2026-03-27T08:30:12", "2026-02-30T00:00:00Z", "2026-03-27T25:00:00Z",
        "2026-03-27T08:30:12+2:00", "2026-03-27T08:30:12Zjunk", "2026-03-27T08:30:12.Z"}) {
    const auto parsed = parseRfc3339(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::InvalidInput);
    EXPECT_NE(parsed.error().hint.find("RFC 3339"), std::string::npos);
  }
}

TEST(Rfc3339, DateOrTimestamp) {
  EXPECT_EQ(formatRfc3339Millis(parseDateOrRfc3339("2026-03-27").value()),
            "2026-03-27T00:00:00.000Z");
  EXPECT_EQ(formatRfc3339Millis(parseDateOrRfc3339("2026-03-27T01:02:03Z").value()),
            "2026-03-27T01:02:03.000Z");
  EXPECT_FALSE(parseDateOrRfc3339("2026-13-01").ok());
}

TEST(LocalTime, ParseAndFormat) {
  EXPECT_EQ(formatLocalTime(parseLocalTime("2026-03-27 08:30:12").value()), "2026-03-27 08:30:12");
  EXPECT_EQ(formatLocalTime(parseLocalTime("2026-03-27T08:30:12").value()), "2026-03-27 08:30:12");
  EXPECT_FALSE(parseLocalTime("2026-03-27 24:00:00").ok());
  EXPECT_FALSE(parseLocalTime("2026-3-27 08:30:12").ok());
  EXPECT_FALSE(makeLocalTime(2026, 2, 29, 0, 0, 0).ok());  // not a leap year
  EXPECT_TRUE(makeLocalTime(2028, 2, 29, 0, 0, 0).ok());
}

TEST(TimeZone, UnknownZoneIsAClearError) {
  const auto zone = TimeZone::find("Europe/Atlantis");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.error().code, ErrorCode::NotFound);
  EXPECT_NE(zone.error().message.find("Europe/Atlantis"), std::string::npos);
  EXPECT_NE(zone.error().hint.find("IANA"), std::string::npos);
}

TEST(TimeZone, BerlinStandardAndSummerTime) {
  const auto berlin = TimeZone::find("Europe/Berlin").value();
  EXPECT_EQ(utcOf(berlin, local(2026, 1, 15, 9, 0)), "2026-01-15T08:00:00Z");  // CET +1
  EXPECT_EQ(utcOf(berlin, local(2026, 7, 15, 9, 0)), "2026-07-15T07:00:00Z");  // CEST +2
}

TEST(TimeZone, BerlinSpringForwardGapUsesOffsetBeforeTheGap) {
  // 2026-03-29: clocks jump from 02:00 CET to 03:00 CEST; 02:30 does not exist.
  const auto berlin = TimeZone::find("Europe/Berlin").value();
  EXPECT_EQ(utcOf(berlin, local(2026, 3, 29, 1, 59, 59)), "2026-03-29T00:59:59Z");
  EXPECT_EQ(utcOf(berlin, local(2026, 3, 29, 2, 30)), "2026-03-29T01:30:00Z");
  EXPECT_EQ(utcOf(berlin, local(2026, 3, 29, 3, 0)), "2026-03-29T01:00:00Z");
}

TEST(TimeZone, BerlinFallBackAmbiguousHourTakesFirstOccurrence) {
  // 2026-10-25: clocks go from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
  const auto berlin = TimeZone::find("Europe/Berlin").value();
  EXPECT_EQ(utcOf(berlin, local(2026, 10, 25, 2, 30)), "2026-10-25T00:30:00Z");
  EXPECT_EQ(utcOf(berlin, local(2026, 10, 25, 3, 30)), "2026-10-25T02:30:00Z");
  EXPECT_EQ(utcOf(berlin, local(2026, 10, 25, 1, 30)), "2026-10-24T23:30:00Z");
}

TEST(TimeZone, NewYorkTransitions) {
  const auto new_york = TimeZone::find("America/New_York").value();
  // 2026-03-08 02:00 EST -> 03:00 EDT.
  EXPECT_EQ(utcOf(new_york, local(2026, 3, 8, 1, 30)), "2026-03-08T06:30:00Z");
  EXPECT_EQ(utcOf(new_york, local(2026, 3, 8, 2, 30)), "2026-03-08T07:30:00Z");
  EXPECT_EQ(utcOf(new_york, local(2026, 3, 8, 3, 30)), "2026-03-08T07:30:00Z");
  // 2026-11-01 02:00 EDT -> 01:00 EST; 01:30 is ambiguous.
  EXPECT_EQ(utcOf(new_york, local(2026, 11, 1, 1, 30)), "2026-11-01T05:30:00Z");
  EXPECT_EQ(utcOf(new_york, local(2026, 11, 1, 2, 30)), "2026-11-01T07:30:00Z");
}

TEST(TimeZone, ZonesWithoutDst) {
  const auto kolkata = TimeZone::find("Asia/Kolkata").value();
  EXPECT_EQ(utcOf(kolkata, local(2026, 6, 1, 9, 0)), "2026-06-01T03:30:00Z");
  EXPECT_EQ(utcOf(kolkata, local(2026, 12, 1, 9, 0)), "2026-12-01T03:30:00Z");
  const auto tokyo = TimeZone::find("Asia/Tokyo").value();
  EXPECT_EQ(utcOf(tokyo, local(2026, 3, 29, 2, 30)), "2026-03-28T17:30:00Z");
  const auto utc = TimeZone::find("UTC").value();
  EXPECT_EQ(utcOf(utc, local(2026, 10, 25, 2, 30)), "2026-10-25T02:30:00Z");
}

TEST(TimeZone, LocalRoundTripOutsideTransitions) {
  const auto berlin = TimeZone::find("Europe/Berlin").value();
  const LocalSeconds t = local(2026, 5, 4, 17, 45, 9);
  EXPECT_EQ(berlin.toLocal(berlin.toUtc(t)), t);
  EXPECT_EQ(berlin.offsetAt(berlin.toUtc(t)), hours{2});
}

}  // namespace
}  // namespace punchlink
