// The agent's command routing without a broker: commands from a recording Publisher's point of
// view, a real outbox (stored results for replays) and a terminal that records what it is given.
#include "app/command_router.hpp"

#include <punchlink/contract/command_result.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/recording_publisher.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

namespace punchlink::agent {
namespace {

using namespace std::chrono_literals;

class RecordingTerminal final : public Terminal {
 public:
  const std::string& name() const noexcept override { return name_; }

  std::string serial() const override { return "SN1"; }

  bool online() const override { return true; }

  std::string statusJson() const override { return ""; }

  void enqueue(Command command, std::chrono::system_clock::time_point expires) override {
    queued.emplace_back(std::move(command), expires);
  }

  std::vector<std::pair<Command, std::chrono::system_clock::time_point>> queued;

 private:
  std::string name_ = "door-1";
};

class CommandRouterTest : public ::testing::Test {
 protected:
  CommandRouterTest() {
    outbox_ = std::move(Outbox::open(dir_.file("outbox.db").string(), 1 << 30, 80).value());
    clocks_ = std::make_unique<ClockPolicies>(*outbox_, ClockSettings{},
                                              std::map<std::string, ClockSettings>{});
    router_ = std::make_unique<CommandRouter>(
        "plant-7", *outbox_, broker_,
        [this](const std::string& key) -> Terminal* {
          return key == "SN1" || key == "door-1" ? &terminal_ : nullptr;
        },
        24h, *clocks_, logger_, clock_);
  }

  // The results published so far.
  std::vector<contract::CommandResult> results() {
    std::vector<contract::CommandResult> out;
    for (const auto& message : broker_.messages()) {
      EXPECT_EQ(message.topic, contract::SiteTopics("plant-7").commandResults());
      out.push_back(contract::decodeCommandResult(message.payload).value());
    }
    return out;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  testing::RecordingPublisher broker_;
  Logger logger_{"commands", LogLevel::Error, StderrSink::detect(), clock_};
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<ClockPolicies> clocks_;
  RecordingTerminal terminal_;
  std::unique_ptr<CommandRouter> router_;
};

TEST_F(CommandRouterTest, ACommandGoesToItsTerminalWithTheSoonerExpiry) {
  clock_.setWall(std::chrono::system_clock::from_time_t(1'800'000'000));
  router_->onCommand(R"({"command_id":"c1","device":"SN1","type":"unlock"})");
  router_->onCommand(
      R"({"command_id":"c2","device":"door-1","type":"restart","expires_at":"2027-01-15T08:00:00Z"})");
  ASSERT_EQ(terminal_.queued.size(), 2U);
  EXPECT_EQ(terminal_.queued[0].second, clock_.now() + 24h);
  EXPECT_EQ(terminal_.queued[1].second, parseRfc3339("2027-01-15T08:00:00Z").value());
  EXPECT_TRUE(broker_.messages().empty());
}

TEST_F(CommandRouterTest, MalformedAndUnroutableCommandsFailWithTheReason) {
  router_->onCommand(R"({"command_id":"c9","device":"SN1","type":"self_destruct"})");
  router_->onCommand(R"({"command_id":"c8","device":"SN-ELSEWHERE","type":"unlock"})");
  const auto sent = results();
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(sent[0].command_id, "c9");
  EXPECT_EQ(sent[0].type, "self_destruct");
  EXPECT_NE(sent[0].error.find("is not one of"), std::string::npos);
  EXPECT_EQ(sent[1].error, "no terminal \"SN-ELSEWHERE\" at site plant-7");
  // Not even an id: the failure is published for the logs, though no command can be matched.
  router_->onCommand("not json");
  ASSERT_EQ(broker_.messages().size(), 3U);
  EXPECT_NE(broker_.messages()[2].payload.find("not a JSON object"), std::string::npos);
  EXPECT_TRUE(terminal_.queued.empty());
}

TEST_F(CommandRouterTest, ACommandRunsOnceAndItsReplayGetsTheStoredResult) {
  const std::string payload = R"({"command_id":"c1","device":"SN1","type":"unlock"})";
  router_->onCommand(payload);
  router_->onCommand(payload);  // still queued: not queued twice
  ASSERT_EQ(terminal_.queued.size(), 1U);
  router_->publishResult(terminal_.queued[0].first, {true, "", R"({"opened":5})"});
  router_->onCommand(payload);  // the relay sent it again: the stored result, not a rerun
  EXPECT_EQ(terminal_.queued.size(), 1U);
  const auto sent = results();
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_EQ(sent[1], sent[0]);
  EXPECT_TRUE(sent[0].succeeded);
  EXPECT_EQ(sent[0].result_json, R"({"opened":5})");
}

TEST_F(CommandRouterTest, AResultTheBrokerRefusedIsStillThereForTheReplay) {
  broker_.setConnected(false);
  router_->onCommand(R"({"command_id":"c1","device":"SN1","type":"unlock"})");
  router_->publishResult(terminal_.queued.at(0).first, {false, "door jammed", ""});
  EXPECT_TRUE(broker_.messages().empty());
  broker_.setConnected(true);
  router_->onCommand(R"({"command_id":"c1","device":"SN1","type":"unlock"})");
  ASSERT_EQ(results().size(), 1U);
  EXPECT_EQ(results()[0].error, "door jammed");
}

}  // namespace
}  // namespace punchlink::agent
