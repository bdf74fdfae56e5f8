// DeviceStatus: the status JSON of a ZK terminal (docs/mqtt-contract.md) before the first
// connect, online, and offline with its reason; counts and clock drift read from the emulator.
#include "zk_terminal/device_status.hpp"

#include "zk_terminal_fixture.hpp"

namespace punchlink::agent::zk_terminal {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

ZkDeviceConfig tcpDeviceConfig() {
  ZkDeviceConfig config = simDeviceConfig();
  config.port = 4371;
  config.transport = "tcp";
  return config;
}

zksim::SimIdentity terminal() {
  zksim::SimIdentity id = simIdentity();
  id.records_capacity = 40;
  id.name = "F18";
  return id;
}

class DeviceStatusTest : public ::testing::Test, public ZkTerminalFixture {
 protected:
  DeviceStatusTest() : ZkTerminalFixture(terminal()) {
    zksim::generateState(device, {4, 10, 1, 1, 64});
  }

  // Connects and reads what a session reads at connect.
  void connect() {
    ASSERT_TRUE(client.connect().ok());
    auto info = client.deviceInfo();
    ASSERT_TRUE(info.ok());
    status.setIdentity(*info);
    ASSERT_TRUE(status.refresh(client).ok());
  }

  json last() {
    EXPECT_FALSE(published.empty());
    return published.empty() ? json() : json::parse(published.back().second);
  }

  const TimeZone zone = TimeZone::find("Europe/Berlin").value();
  std::vector<std::pair<std::string, std::string>> published;
  DeviceStatus status{"door-1",
                      tcpDeviceConfig(),
                      zone,
                      [this](const std::string& key, const std::string& text) {
                        published.emplace_back(key, text);
                      },
                      logger,
                      clock};
};

TEST_F(DeviceStatusTest, BeforeTheFirstConnectItIsKeyedByNameAndSaysWhy) {
  EXPECT_EQ(status.json(), "") << "nothing before the first publish";
  EXPECT_FALSE(status.online());
  status.publish();
  ASSERT_EQ(published.size(), 1U);
  EXPECT_EQ(published[0].first, "door-1");
  // No serial yet: the contract leaves unknown fields out rather than sending them empty.
  EXPECT_EQ(last(), json::parse(R"({"name":"door-1","online":false,
      "host":"10.7.0.21","port":4371,"transport":"tcp","time_zone":"Europe/Berlin",
      "reason":"not connected yet"})"));
  EXPECT_EQ(status.json(), published[0].second);
}

TEST_F(DeviceStatusTest, OnlineShowsIdentityCountsDriftAndLastSeen) {
  const auto wall = std::chrono::sys_days{std::chrono::year{2026} / 3 / 27} + 8h + 30min;
  clock.setWall(wall);
  device.setLocalTime(zone.toLocal(std::chrono::floor<std::chrono::seconds>(wall) + 90s));
  connect();
  status.setOnline();
  status.publish();
  EXPECT_EQ(published.back().first, kSerial) << "keyed by the serial once known";
  const json doc = last();
  EXPECT_EQ(doc["serial"], kSerial);
  EXPECT_EQ(doc["online"], true);
  EXPECT_FALSE(doc.contains("reason"));
  EXPECT_EQ(doc["firmware"], device.identity().firmware);
  EXPECT_EQ(doc["platform"], device.identity().platform);
  EXPECT_EQ(doc["device_name"], "F18");
  EXPECT_EQ(doc["users"], 4);
  EXPECT_EQ(doc["fingers"], 4);
  EXPECT_EQ(doc["logs"], 10);
  EXPECT_EQ(doc["log_capacity"], 40);
  EXPECT_EQ(doc["storage_percent"], 25);
  // The emulator's clock runs in real time from where it was set: allow the second it may tick.
  EXPECT_NEAR(doc["clock_drift_s"].get<double>(), 90, 1);
  EXPECT_EQ(doc["last_seen"], "2026-03-27T08:30:00Z");
  EXPECT_TRUE(status.online());
  EXPECT_EQ(status.serial(), kSerial);
}

TEST_F(DeviceStatusTest, OfflineKeepsWhatWasKnownAndGivesTheReason) {
  connect();
  status.setOnline();
  EXPECT_TRUE(status.setOffline("cannot connect to terminal 10.7.0.21:4371 (TCP): refused"));
  EXPECT_FALSE(status.setOffline("cannot connect to terminal 10.7.0.21:4371 (TCP): refused"))
      << "the same reason again is no change";
  EXPECT_TRUE(status.setOffline("terminal did not answer in time"));
  status.publish();
  const json doc = last();
  EXPECT_EQ(doc["online"], false);
  EXPECT_EQ(doc["reason"], "terminal did not answer in time");
  EXPECT_EQ(doc["serial"], kSerial);
  EXPECT_EQ(doc["logs"], 10) << "the last counts stay";
  EXPECT_EQ(status.offlineReason(), "terminal did not answer in time");
  EXPECT_FALSE(status.online());
}

TEST_F(DeviceStatusTest, AFailedRefreshChangesNothing) {
  connect();
  status.publish();
  const std::string before = status.json();
  clock.advance(1h);
  device.setFaults({0, 0, -1, false});
  EXPECT_FALSE(status.refresh(client).ok());
  status.publish();
  EXPECT_EQ(status.json(), before) << "last_seen and the counts are those of the last contact";
}

}  // namespace
}  // namespace punchlink::agent::zk_terminal
