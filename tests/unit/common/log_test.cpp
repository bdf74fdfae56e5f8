#include <punchlink/common/log.hpp>
#include <punchlink/testing/manual_clock.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace punchlink {
namespace {

class RecordingSink final : public LogSink {
 public:
  void write(LogLevel level, std::string_view line) override {
    const std::lock_guard lock(mutex_);
    lines.emplace_back(level, std::string(line));
  }

  std::mutex mutex_;
  std::vector<std::pair<LogLevel, std::string>> lines;
};

TEST(Logger, FormatsComponentMessageAndFields) {
  auto sink = std::make_shared<RecordingSink>();
  testing::ManualClock clock;
  Logger logger("agent", LogLevel::Info, sink, clock);
  logger.info("device online", {{"device", "door-1"}, {"firmware", "Ver 6.60 Apr 26 2016"}});
  ASSERT_EQ(sink->lines.size(), 1U);
  EXPECT_EQ(sink->lines[0].second,
            "agent: device online device=door-1 firmware=\"Ver 6.60 Apr 26 2016\"");
  EXPECT_EQ(sink->lines[0].first, LogLevel::Info);
}

TEST(Logger, ChildNamesNest) {
  auto sink = std::make_shared<RecordingSink>();
  testing::ManualClock clock;
  Logger logger("agent", LogLevel::Debug, sink, clock);
  logger.child("uplink").debug("x");
  EXPECT_EQ(sink->lines.at(0).second, "agent.uplink: x");
}

TEST(Logger, LevelFilter) {
  auto sink = std::make_shared<RecordingSink>();
  testing::ManualClock clock;
  Logger logger("relay", LogLevel::Warning, sink, clock);
  logger.debug("no");
  logger.info("no");
  logger.warn("yes");
  logger.error("yes");
  EXPECT_EQ(sink->lines.size(), 2U);
}

TEST(Logger, QuotesAndEscapesValues) {
  EXPECT_EQ(formatLogValue("plain"), "plain");
  EXPECT_EQ(formatLogValue(""), "\"\"");
  EXPECT_EQ(formatLogValue("a=b"), "\"a=b\"");
  EXPECT_EQ(formatLogValue("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
  EXPECT_EQ(formatLogValue(std::string("\x01", 1)), "\"\\x01\"");
}

TEST(Logger, RateLimitsRepeatedLinesAndReportsSuppressedCount) {
  auto sink = std::make_shared<RecordingSink>();
  testing::ManualClock clock;
  Logger logger("agent", LogLevel::Info, sink, clock);
  logger.setRateLimit(2, std::chrono::seconds{60});
  for (int i = 0; i < 10; ++i) {
    logger.limited(LogLevel::Warning, "door-1/connect", "connect failed", {{"device", "door-1"}});
  }
  logger.limited(LogLevel::Warning, "gate/connect", "connect failed", {{"device", "gate"}});
  ASSERT_EQ(sink->lines.size(), 3U);  // 2 for door-1, 1 for gate: keys are independent
  clock.advance(std::chrono::seconds{61});
  logger.limited(LogLevel::Warning, "door-1/connect", "connect failed", {{"device", "door-1"}});
  ASSERT_EQ(sink->lines.size(), 4U);
  EXPECT_EQ(sink->lines.back().second, "agent: connect failed device=door-1 suppressed=8");
}

TEST(LogLevel, ParsesNames) {
  EXPECT_EQ(parseLogLevel("debug").value(), LogLevel::Debug);
  EXPECT_EQ(parseLogLevel("warn").value(), LogLevel::Warning);
  const auto bad = parseLogLevel("loud");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().hint.find("debug, info, warning, error"), std::string::npos);
}

}  // namespace
}  // namespace punchlink
