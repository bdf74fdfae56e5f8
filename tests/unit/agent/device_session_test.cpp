// DeviceSession, the supervisor, driven pass by pass with step() (no thread): connect and sync,
// real-time punches, commands, resyncs and polls when due, going offline and coming back.
#include "zk_terminal/device_session.hpp"

#include "zk_terminal_fixture.hpp"

namespace punchlink::agent::zk_terminal {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

ZkDeviceConfig deviceConfig(DeviceMode mode = DeviceMode::Realtime) {
  ZkDeviceConfig config;
  config.host = "10.7.0.21";
  config.time_zone = "UTC";
  config.mode = mode;
  config.poll_interval = 10s;
  config.resync_interval = 1h;
  config.timeout = 2s;
  return config;
}

class DeviceSessionTest : public ::testing::Test, public ZkTerminalFixture {
 protected:
  DeviceSessionTest() { zksim::generateState(device, {3, 4, 1, 0, 64}); }

  ClockPolicies& clocks() {
    if (!clocks_) {
      clocks_ = std::make_unique<ClockPolicies>(*outbox, clock_settings,
                                                std::map<std::string, ClockSettings>{});
    }
    return *clocks_;
  }

  // Off unless a test is about clocks: the emulator's clock and the manual one differ.
  ClockSettings clock_settings{contract::ClockPolicy::Off};
  std::unique_ptr<ClockPolicies> clocks_;

  std::unique_ptr<DeviceSession> makeSession(DeviceMode mode = DeviceMode::Realtime) {
    return std::make_unique<DeviceSession>(
        "door-1", deviceConfig(mode), *outbox, 60s,
        TerminalSinks{[this](const std::string& key, const std::string& text) {
                        statuses.emplace_back(key, json::parse(text));
                      },
                      [this](const Command& done, const CommandOutcome& outcome) {
                        results.emplace_back(done.command_id, outcome);
                      },
                      [this](std::size_t rows) { new_rows += rows; }},
        clocks(), logger, clock, links.factory());
  }

  // Steps until `done` or `limit` passes; each idle real-time pass moves the clock by 500 ms.
  template <typename Done>
  void stepUntil(DeviceSession& session, Done done, int limit = 10'000) {
    for (int i = 0; i < limit && !done(); ++i) {
      const auto wait = session.step();
      clock.advance(wait);  // what the thread would sleep
    }
    ASSERT_TRUE(done()) << "not after " << limit << " passes";
  }

  static Command unlock(const std::string& id) {
    Command command;
    command.command_id = id;
    command.device = "door-1";
    command.type = CommandType::Unlock;
    return command;
  }

  std::vector<std::pair<std::string, json>> statuses;
  std::vector<std::pair<std::string, CommandOutcome>> results;
  std::size_t new_rows = 0;
};

TEST_F(DeviceSessionTest, TheFirstPassConnectsCollectsTheLogAndGoesOnline) {
  auto session = makeSession();
  EXPECT_FALSE(session->online());
  EXPECT_EQ(session->step(), 0ms);
  EXPECT_TRUE(session->online());
  EXPECT_EQ(session->serial(), kSerial);
  EXPECT_EQ(pending(), 4U);
  EXPECT_EQ(new_rows, 4U);
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses.back().first, kSerial);
  EXPECT_EQ(statuses.back().second["online"], true);
  EXPECT_EQ(json::parse(session->statusJson())["logs"], 4);
}

TEST_F(DeviceSessionTest, RealTimePunchesAreStoredAsTheyCome) {
  auto session = makeSession();
  (void)session->step();
  punch("1002", 15);
  (void)session->step();
  const auto stored = rows();
  ASSERT_EQ(stored.size(), 5U);
  EXPECT_EQ(stored.back()["user_id"], "1002");
  EXPECT_EQ(stored.back()["source"], "realtime");
  EXPECT_EQ(links.connects(), 1U);
}

TEST_F(DeviceSessionTest, QueuedCommandsRunOnTheNextPass) {
  auto session = makeSession();
  (void)session->step();
  session->enqueue(unlock("cmd_1"), clock.now() + 1h);
  (void)session->step();
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0].first, "cmd_1");
  EXPECT_TRUE(results[0].second.succeeded) << results[0].second.error;
  EXPECT_EQ(device.counters().unlocks, 1U);
}

// A record the live events missed shows in the terminal's count at the next status refresh; the
// log is read for it once the count has stayed off for five minutes, not at the hourly resync.
TEST_F(DeviceSessionTest, ARecordTheLiveEventsMissedIsReadOnceTheCountShowsIt) {
  auto session = makeSession();
  (void)session->step();
  // Recorded on the terminal without a real-time event (e.g. while the agent was away).
  device.setPunchListener({});
  punch("1003", 20);
  const auto start = clock.steadyNow();
  stepUntil(*session, [&] { return pending() == 5U; });
  EXPECT_GE(clock.steadyNow() - start, 5min - 500ms);
  EXPECT_LT(clock.steadyNow() - start, 10min);
}

TEST_F(DeviceSessionTest, PollModeReadsTheLogEveryPollInterval) {
  auto session = makeSession(DeviceMode::Poll);
  EXPECT_EQ(session->step(), 500ms) << "connected; waits for what is due next";
  punch("1003", 20);
  EXPECT_EQ(pending(), 4U) << "no real-time events in poll mode";
  const auto start = clock.steadyNow();
  stepUntil(*session, [&] { return pending() == 5U; });
  EXPECT_GE(clock.steadyNow() - start, 10s);
  EXPECT_LT(clock.steadyNow() - start, 11s);
}

TEST_F(DeviceSessionTest, AnUnreachableTerminalIsOfflineWithTheReasonAndComesBack) {
  auto session = makeSession();
  (void)session->step();
  ASSERT_TRUE(session->online());

  links.setReachable(false);
  links.dropAll();
  const auto backoff = session->step();
  EXPECT_GT(backoff, 0ms) << "waits before reconnecting";
  EXPECT_FALSE(session->online());
  const json offline = json::parse(session->statusJson());
  EXPECT_EQ(offline["online"], false);
  EXPECT_NE(offline["reason"].get<std::string>().find("closed the connection"), std::string::npos)
      << offline;
  clock.advance(backoff);
  (void)session->step();
  EXPECT_NE(json::parse(session->statusJson())["reason"].get<std::string>().find(
                "cannot connect to terminal 10.7.0.21:4370 (TCP)"),
            std::string::npos);

  // A command for the offline terminal waits; one whose expiry passes fails with the reason.
  session->enqueue(unlock("cmd_waits"), clock.now() + 1h);
  session->enqueue(unlock("cmd_expires"), clock.now() + 1s);
  clock.advance(2s);
  (void)session->step();
  ASSERT_EQ(results.size(), 1U);
  EXPECT_EQ(results[0].first, "cmd_expires");
  EXPECT_NE(results[0].second.error.find("expired while the terminal was offline (cannot connect"),
            std::string::npos)
      << results[0].second.error;

  links.setReachable(true);
  stepUntil(*session, [&] { return session->online(); });
  stepUntil(*session, [&] { return results.size() == 2U; });
  EXPECT_EQ(results[1].first, "cmd_waits");
  EXPECT_TRUE(results[1].second.succeeded);
  EXPECT_EQ(pending(), 4U) << "the log read again adds nothing";
}

TEST_F(DeviceSessionTest, RestartDropsTheSessionWhichReconnects) {
  auto session = makeSession();
  (void)session->step();
  Command restart = unlock("cmd_restart");
  restart.type = CommandType::Restart;
  session->enqueue(restart, clock.now() + 1h);
  session->enqueue(unlock("cmd_after"), clock.now() + 1h);
  (void)session->step();
  ASSERT_EQ(results.size(), 1U) << "the unlock waits for the reconnect";
  EXPECT_TRUE(results[0].second.succeeded);
  stepUntil(*session, [&] { return results.size() == 2U; });
  EXPECT_TRUE(results[1].second.succeeded);
  EXPECT_EQ(links.connects(), 2U);
  EXPECT_TRUE(session->online());
}

}  // namespace
}  // namespace punchlink::agent::zk_terminal
