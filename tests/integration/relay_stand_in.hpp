// A stand-in for punchlink-relay in agent tests: over a real Mosquitto it stores every punch by
// event id and acknowledges it (docs/mqtt-contract.md), records command results and agent
// statuses, and sends commands. Also the broker options those tests share (TLS, per-site ACL).
#pragma once

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::agent {

using namespace std::chrono_literals;

inline constexpr const char* kSite = "plant-1";

// Stands in for punchlink-relay: stores every punch by event id and acks after "commit".
class RelayStandIn {
 public:
  RelayStandIn(const testing::MosquittoFixture& broker, bool ack = true) : ack_(ack) {
    mqtt_client::MqttClientOptions options;
    options.server_uri = broker.url();
    options.client_id = "relay-stand-in";
    options.username = "relay";
    options.password = "relay-secret";
    options.ca_file = broker.ca().ca_cert.string();
    options.reconnect = {100ms, 500ms, 2.0, 0.0};
    auto client = mqtt_client::MqttClient::create(options, logger_);
    EXPECT_TRUE(client.ok());
    client_ = std::move(client.value());
    client_->setMessageHandler([this](const mqtt_client::MqttMessage& m) { onMessage(m); });
    EXPECT_TRUE(client_->connect(10s).ok());
    EXPECT_TRUE(client_->subscribe("punchlink/v1/sites/+/punches", 1, 5s).ok());
    EXPECT_TRUE(client_->subscribe("punchlink/v1/sites/+/command-results", 1, 5s).ok());
    EXPECT_TRUE(client_->subscribe("punchlink/v1/sites/+/status", 1, 5s).ok());
  }

  ~RelayStandIn() {
    if (client_) {
      client_->stop();  // before the members its delivery thread writes to are destroyed
    }
  }

  RelayStandIn(const RelayStandIn&) = delete;
  RelayStandIn& operator=(const RelayStandIn&) = delete;
  RelayStandIn(RelayStandIn&&) = delete;
  RelayStandIn& operator=(RelayStandIn&&) = delete;

  void onMessage(const mqtt_client::MqttMessage& message) {
    const nlohmann::json doc = nlohmann::json::parse(message.payload, nullptr, false);
    std::unique_lock lock(mutex_);
    if (message.topic.ends_with("/punches")) {
      nlohmann::json acked = nlohmann::json::array();
      for (const auto& punch : doc["punches"]) {
        const std::string id = punch["event_id"];
        ++deliveries_[id];
        punches_[id] = punch;
        acked.push_back(id);
      }
      lock.unlock();
      if (ack_) {
        const std::string site = doc["site_id"];
        (void)client_->publish(
            {"punchlink/v1/sites/" + site + "/acks",
             nlohmann::json{{"batch_id", doc["batch_id"]}, {"acked", acked}}.dump(), 1, false, "",
             ""},
            5s);
      }
      lock.lock();
    } else if (message.topic.ends_with("/command-results")) {
      results_.push_back(doc);
    } else if (message.topic.ends_with("/status")) {
      statuses_.push_back(doc);
    }
    changed_.notify_all();
  }

  template <typename Predicate>
  bool waitUntil(Predicate predicate, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return predicate(); });
  }

  std::size_t distinct() {
    const std::lock_guard lock(mutex_);
    return punches_.size();
  }

  bool waitForDistinct(std::size_t count, std::chrono::milliseconds timeout) {
    return waitUntil([&] { return punches_.size() >= count; }, timeout);
  }

  std::map<std::string, int> deliveries() {
    const std::lock_guard lock(mutex_);
    return deliveries_;
  }

  std::map<std::string, nlohmann::json> punches() {
    const std::lock_guard lock(mutex_);
    return punches_;
  }

  std::optional<nlohmann::json> resultFor(const std::string& command_id,
                                          std::chrono::milliseconds timeout) {
    std::optional<nlohmann::json> found;
    waitUntil(
        [&] {
          for (const auto& result : results_) {
            if (result["command_id"] == command_id) {
              found = result;
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }

  // For use inside waitUntil predicates, which hold the lock.
  std::size_t countLocked(const std::string& command_id) {
    return static_cast<std::size_t>(
        std::count_if(results_.begin(), results_.end(),
                      [&](const nlohmann::json& r) { return r["command_id"] == command_id; }));
  }

  std::size_t resultCount(const std::string& command_id) {
    const std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(results_.begin(), results_.end(),
                      [&](const nlohmann::json& r) { return r["command_id"] == command_id; }));
  }

  bool waitForStatus(bool online, std::chrono::milliseconds timeout) {
    return waitUntil([&] { return !statuses_.empty() && statuses_.back()["online"] == online; },
                     timeout);
  }

  void sendCommand(const nlohmann::json& command) {
    ASSERT_TRUE(client_
                    ->publish({std::string("punchlink/v1/sites/") + kSite + "/commands",
                               command.dump(), 1, false, "", ""},
                              5s)
                    .ok());
  }

  void sendRaw(const std::string& payload) {
    ASSERT_TRUE(client_
                    ->publish({std::string("punchlink/v1/sites/") + kSite + "/commands", payload, 1,
                               false, "", ""},
                              5s)
                    .ok());
  }

 private:
  SystemClock clock_;
  Logger logger_{"relay-stand-in", LogLevel::Warning, StderrSink::detect(), clock_};
  bool ack_;
  std::unique_ptr<mqtt_client::MqttClient> client_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, int> deliveries_;
  std::map<std::string, nlohmann::json> punches_;
  std::vector<nlohmann::json> results_;
  std::vector<nlohmann::json> statuses_;
};

inline testing::MosquittoOptions brokerOptions() {
  testing::MosquittoOptions options;
  options.tls = true;
  options.users = {{kSite, "site-secret"}, {"relay", "relay-secret"}};
  options.acl =
      "user relay\ntopic readwrite punchlink/#\n\npattern readwrite punchlink/v1/sites/%u/#\n";
  return options;
}

}  // namespace punchlink::agent
