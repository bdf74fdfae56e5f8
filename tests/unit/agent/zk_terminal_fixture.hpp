// What the zk_terminal unit tests share: an emulated terminal reached in-process, a client
// connected to it, a real outbox in a temporary folder and a manual clock. No sockets, no sleeps.
#pragma once

#include "outbox/outbox.hpp"
#include "sim_fixture.hpp"
#include "sim_link.hpp"
#include "zk_net/zk_client.hpp"
#include "zk_terminal/zk_device_config.hpp"

#include <punchlink/common/log.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace punchlink::agent::zk_terminal {

inline constexpr const char* kSerial = "UNIT0042";

inline zksim::SimIdentity simIdentity(
    zk::AttendanceFormat format = zk::AttendanceFormat::Record40) {
  zksim::SimIdentity id;
  id.serial = kSerial;
  id.attendance_format = format;
  return id;
}

inline zk_net::ZkClientOptions simClientOptions() {
  zk_net::ZkClientOptions options;
  options.host = "10.7.0.21";
  options.timeout = std::chrono::seconds{2};
  return options;
}

// The configured terminal the sim answers for.
inline ZkDeviceConfig simDeviceConfig() {
  ZkDeviceConfig config;
  config.host = "10.7.0.21";
  config.time_zone = "Europe/Berlin";
  return config;
}

class ZkTerminalFixture {
 public:
  explicit ZkTerminalFixture(zksim::SimIdentity identity = simIdentity())
      : device(std::move(identity)),
        outbox(Outbox::open(dir.file("outbox.db").string(), 1ULL << 30U, 80).value()) {}

  // Every row in the outbox, oldest first, as the published JSON objects.
  std::vector<nlohmann::json> rows() {
    std::vector<nlohmann::json> out;
    auto batch = outbox->nextBatch(1'000'000, 0);
    EXPECT_TRUE(batch.ok());
    for (const auto& row : batch.valueOr(std::vector<OutboxRow>{})) {
      out.push_back(nlohmann::json::parse(row.payload));
    }
    return out;
  }

  std::size_t pending() { return static_cast<std::size_t>(outbox->stats()->pending); }

  // The relay acknowledges every row the outbox holds.
  void ackAll() {
    std::vector<std::string> ids;
    const auto rows = outbox->nextBatch(1'000'000, 0);
    ASSERT_TRUE(rows.ok());
    for (const auto& row : *rows) {
      ids.push_back(row.event_id);
    }
    ASSERT_TRUE(outbox->acknowledge(ids, 1).ok());
  }

  zk::AttendanceRecord punch(const std::string& user_id, int minute, std::uint8_t state = 0) {
    zk::AttendanceRecord record;
    record.user_id = user_id;
    record.state = state;
    record.verify = 1;
    record.time = makeLocalTime(2026, 3, 2, 9, minute, 0).value();
    return device.addPunch(record);
  }

  testing::TempDir dir{"punchlink-zk-terminal"};
  testing::ManualClock clock;
  Logger logger{"test", LogLevel::Error, StderrSink::detect(), clock};
  zksim::SimDevice device;
  std::unique_ptr<Outbox> outbox;
  zksim::SimLinks links{device, clock};
  zk_net::ZkClient client{simClientOptions(), clock, links.factory()};
};

}  // namespace punchlink::agent::zk_terminal
