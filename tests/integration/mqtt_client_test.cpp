// The MQTT wrapper against a real Mosquitto: TLS with a verified CA, password auth, ACLs,
// last will, and surviving a broker restart with a persistent session.
#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#ifndef PUNCHLINK_WILL_HELPER
#error "PUNCHLINK_WILL_HELPER must name the helper binary"
#endif

namespace punchlink::mqtt_client {
namespace {

using namespace std::chrono_literals;
using testing::MosquittoFixture;
using testing::MosquittoOptions;

constexpr auto kAcl =
    "user site-a\n"
    "topic readwrite punchlink/v1/sites/site-a/#\n"
    "\n"
    "user relay\n"
    "topic readwrite punchlink/#\n";

MosquittoOptions tlsBrokerOptions() {
  MosquittoOptions options;
  options.tls = true;
  options.users = {{"site-a", "secret-a"}, {"relay", "secret-relay"}};
  options.acl = kAcl;
  return options;
}

// Collects messages from the delivery thread for the test thread to wait on.
class Inbox {
 public:
  void add(const MqttMessage& message) {
    {
      const std::lock_guard lock(mutex_);
      messages_.push_back(message);
    }
    changed_.notify_all();
  }

  bool waitFor(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }

  std::vector<MqttMessage> messages() {
    const std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<MqttMessage> messages_;
};

class MqttClientTest : public ::testing::Test {
 protected:
  MqttClientOptions optionsFor(const MosquittoFixture& broker,
                               const std::string& user,
                               const std::string& password,
                               const std::string& client_id) {
    MqttClientOptions options;
    options.server_uri = broker.url();
    options.client_id = client_id;
    options.username = user;
    options.password = password;
    if (broker.url().rfind("mqtts", 0) == 0) {
      options.ca_file = broker.ca().ca_cert.string();
    }
    options.reconnect = {200ms, 2000ms, 2.0, 0.0};
    options.connect_timeout = 3s;
    return options;
  }

  std::unique_ptr<MqttClient> makeClient(MqttClientOptions options) {
    auto client = MqttClient::create(std::move(options), logger_);
    EXPECT_TRUE(client.ok()) << client.error();
    return client.ok() ? std::move(client.value()) : nullptr;
  }

  std::unique_ptr<MqttClient> connectedClient(MqttClientOptions options, Inbox* inbox = nullptr) {
    auto client = makeClient(std::move(options));
    if (client && inbox != nullptr) {
      client->setMessageHandler([inbox](const MqttMessage& message) { inbox->add(message); });
    }
    if (client) {
      const auto connected = client->connect(10s);
      EXPECT_TRUE(connected.ok()) << connected.error();
    }
    return client;
  }

  SystemClock clock_;
  Logger logger_{"test", LogLevel::Debug, StderrSink::detect(), clock_};
};

TEST_F(MqttClientTest, QosOneRoundTripOverTlsWithVerifiedCa) {
  MosquittoFixture broker(tlsBrokerOptions());
  Inbox inbox;
  auto relay = connectedClient(optionsFor(broker, "relay", "secret-relay", "relay-1"), &inbox);
  ASSERT_TRUE(relay);
  ASSERT_TRUE(relay->subscribe("punchlink/v1/sites/+/punches", 1, 5s).ok());
  auto agent = connectedClient(optionsFor(broker, "site-a", "secret-a", "site-a"));
  ASSERT_TRUE(agent);

  MqttMessage message;
  message.topic = "punchlink/v1/sites/site-a/punches";
  message.payload = R"({"batch":1,"punches":[]})";
  message.qos = 1;
  message.response_topic = "punchlink/v1/sites/site-a/acks";
  message.correlation_data = "batch-1";
  const auto published = agent->publish(message, 5s);
  ASSERT_TRUE(published.ok()) << published.error() << "\n" << broker.log();

  ASSERT_TRUE(inbox.waitFor(1, 5s)) << broker.log();
  const auto received = inbox.messages().at(0);
  EXPECT_EQ(received.topic, message.topic);
  EXPECT_EQ(received.payload, message.payload);
  EXPECT_EQ(received.qos, 1);
  EXPECT_EQ(received.response_topic, message.response_topic);
  EXPECT_EQ(received.correlation_data, "batch-1");
  EXPECT_EQ(agent->stats().published, 1U);
}

TEST_F(MqttClientTest, WrongCaIsRefusedWithAClearError) {
  MosquittoFixture broker(tlsBrokerOptions());
  testing::TempDir other;
  const auto other_ca = testing::makeTestCa(other.path(), "other");
  auto options = optionsFor(broker, "site-a", "secret-a", "site-a");
  options.ca_file = other_ca.ca_cert.string();
  auto client = makeClient(options);
  ASSERT_TRUE(client);
  const auto connected = client->connect(4s);
  ASSERT_FALSE(connected.ok());
  EXPECT_FALSE(client->isConnected());
  const std::string text = connected.error().toString();
  EXPECT_NE(text.find("TLS handshake failed"), std::string::npos) << text;
  EXPECT_NE(text.find(other_ca.ca_cert.string()), std::string::npos) << text;
  EXPECT_NE(text.find(broker.url()), std::string::npos) << text;
}

TEST_F(MqttClientTest, WrongPasswordIsRefusedWithAClearError) {
  MosquittoFixture broker(tlsBrokerOptions());
  auto client = makeClient(optionsFor(broker, "site-a", "wrong", "site-a"));
  ASSERT_TRUE(client);
  const auto connected = client->connect(4s);
  ASSERT_FALSE(connected.ok());
  EXPECT_EQ(connected.error().code, ErrorCode::PermissionDenied) << connected.error();
  EXPECT_NE(connected.error().toString().find("password"), std::string::npos) << connected.error();
}

TEST_F(MqttClientTest, AclForbiddenTopicCannotBePublished) {
  MosquittoFixture broker(tlsBrokerOptions());
  Inbox inbox;
  auto relay = connectedClient(optionsFor(broker, "relay", "secret-relay", "relay-1"), &inbox);
  ASSERT_TRUE(relay);
  ASSERT_TRUE(relay->subscribe("punchlink/#", 1, 5s).ok());
  auto agent = connectedClient(optionsFor(broker, "site-a", "secret-a", "site-a"));
  ASSERT_TRUE(agent);

  MqttMessage foreign{"punchlink/v1/sites/site-b/punches", "spoofed", 1, false, "", ""};
  const auto refused = agent->publish(foreign, 5s);
  ASSERT_FALSE(refused.ok()) << broker.log();
  EXPECT_EQ(refused.error().code, ErrorCode::PermissionDenied) << refused.error();
  EXPECT_NE(refused.error().toString().find("site-a"), std::string::npos) << refused.error();

  // The allowed topic still works, and only it reaches the relay.
  MqttMessage own{"punchlink/v1/sites/site-a/punches", "genuine", 1, false, "", ""};
  ASSERT_TRUE(agent->publish(own, 5s).ok());
  ASSERT_TRUE(inbox.waitFor(1, 5s));
  std::this_thread::sleep_for(300ms);
  const auto received = inbox.messages();
  ASSERT_EQ(received.size(), 1U);
  EXPECT_EQ(received[0].payload, "genuine");
}

TEST_F(MqttClientTest, PublishAllSendsEveryMessageInOrderAndReportsEachRefusal) {
  MosquittoFixture broker(tlsBrokerOptions());
  Inbox inbox;
  auto relay = connectedClient(optionsFor(broker, "relay", "secret-relay", "relay-1"), &inbox);
  ASSERT_TRUE(relay);
  ASSERT_TRUE(relay->subscribe("punchlink/#", 1, 5s).ok());
  auto agent = connectedClient(optionsFor(broker, "site-a", "secret-a", "site-a"));
  ASSERT_TRUE(agent);

  // More than Mosquitto's in-flight window (20), with one topic the ACL refuses in the middle.
  std::vector<MqttMessage> messages;
  for (int i = 0; i < 200; ++i) {
    const std::string site = i == 57 ? "site-b" : "site-a";
    messages.push_back(
        {"punchlink/v1/sites/" + site + "/punches", std::to_string(i), 1, false, "", ""});
  }
  const auto sent = agent->publishAll(messages, 10s);
  ASSERT_EQ(sent.size(), messages.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (i == 57) {
      ASSERT_FALSE(sent[i].ok());
      EXPECT_EQ(sent[i].error().code, ErrorCode::PermissionDenied) << sent[i].error();
    } else {
      EXPECT_TRUE(sent[i].ok()) << i << ": " << sent[i].error();
    }
  }
  ASSERT_TRUE(inbox.waitFor(199, 10s));
  std::this_thread::sleep_for(300ms);
  const auto received = inbox.messages();
  ASSERT_EQ(received.size(), 199U);
  std::size_t expected = 0;
  for (const auto& message : received) {
    expected += expected == 57 ? 1 : 0;
    EXPECT_EQ(message.payload, std::to_string(expected));
    ++expected;
  }

  // Two threads at once share the broker's window (Mosquitto's Receive Maximum, 20) between
  // them: neither stalls nor is refused by Paho's buffer.
  std::vector<MqttMessage> own(messages.begin(), messages.begin() + 50);
  std::vector<Status> other_sent;
  std::thread other([&] { other_sent = agent->publishAll(own, 10s); });
  const std::vector<Status> mine = agent->publishAll(own, 10s);
  other.join();
  for (const std::vector<Status>* results :
       {&mine, static_cast<const std::vector<Status>*>(&other_sent)}) {
    ASSERT_EQ(results->size(), own.size());
    for (const auto& status : *results) {
      EXPECT_TRUE(status.ok()) << status.error();
    }
  }
  ASSERT_TRUE(inbox.waitFor(299, 10s));

  agent->stop();
  const auto down = agent->publishAll(messages, 1s);
  ASSERT_EQ(down.size(), messages.size());
  EXPECT_EQ(down.front().error().code, ErrorCode::Unavailable);
  EXPECT_EQ(down.back().error().code, ErrorCode::Unavailable);
}

TEST_F(MqttClientTest, TheInboundQueueIsBoundedInBytesSoNoSenderCanFillTheMemory) {
  MosquittoFixture broker(tlsBrokerOptions());
  auto options = optionsFor(broker, "relay", "secret-relay", "relay-1");
  options.inbound_queue_bytes = std::size_t{1} << 20U;
  auto relay = makeClient(options);
  ASSERT_TRUE(relay);
  // The handler holds the first message until the test lets it go: the rest wait in the queue.
  std::mutex gate_mutex;
  std::condition_variable gate_changed;
  bool open = false;
  Inbox inbox;
  relay->setMessageHandler([&](const MqttMessage& message) {
    std::unique_lock lock(gate_mutex);
    gate_changed.wait(lock, [&] { return open; });
    inbox.add(message);
  });
  ASSERT_TRUE(relay->connect(10s).ok());
  ASSERT_TRUE(relay->subscribe("punchlink/v1/sites/+/punches", 1, 5s).ok());
  auto agent = connectedClient(optionsFor(broker, "site-a", "secret-a", "site-a"));
  ASSERT_TRUE(agent);

  constexpr int kSent = 12;
  for (int i = 0; i < kSent; ++i) {
    MqttMessage message;
    message.topic = "punchlink/v1/sites/site-a/punches";
    message.payload = std::string(256 * 1024, static_cast<char>('a' + i));
    message.qos = 1;
    ASSERT_TRUE(agent->publish(message, 5s).ok()) << broker.log();
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (relay->stats().received + relay->stats().dropped_inbound < kSent &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  const auto stats = relay->stats();
  ASSERT_EQ(stats.received + stats.dropped_inbound, static_cast<std::uint64_t>(kSent));
  // One in the handler and under 1 MiB waiting (three of 256 KiB): the rest were refused.
  EXPECT_LE(stats.received, 4U);
  EXPECT_GE(stats.dropped_inbound, 8U);
  {
    const std::lock_guard lock(gate_mutex);
    open = true;
  }
  gate_changed.notify_all();
  ASSERT_TRUE(inbox.waitFor(static_cast<std::size_t>(stats.received), 10s));
  // Taken again once the queue has room.
  MqttMessage later;
  later.topic = "punchlink/v1/sites/site-a/punches";
  later.payload = "later";
  ASSERT_TRUE(agent->publish(later, 5s).ok());
  ASSERT_TRUE(inbox.waitFor(static_cast<std::size_t>(stats.received) + 1, 10s));
  EXPECT_EQ(inbox.messages().back().payload, "later");
}

TEST_F(MqttClientTest, LastWillIsPublishedWhenTheClientDies) {
  MosquittoFixture broker(tlsBrokerOptions());
  Inbox inbox;
  auto relay = connectedClient(optionsFor(broker, "relay", "secret-relay", "relay-1"), &inbox);
  ASSERT_TRUE(relay);
  const std::string topic = "punchlink/v1/sites/site-a/status";
  ASSERT_TRUE(relay->subscribe(topic, 1, 5s).ok());

  testing::TempDir dir;
  testing::ChildProcess helper({PUNCHLINK_WILL_HELPER, broker.url(), broker.ca().ca_cert.string(),
                                "site-a", "secret-a", topic, R"({"online":false})"},
                               dir.file("helper.log"));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (helper.log().find("connected") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline && helper.running()) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(helper.log().find("connected"), std::string::npos) << helper.log();
  EXPECT_TRUE(inbox.messages().empty());
  helper.kill();
  ASSERT_TRUE(inbox.waitFor(1, 10s)) << broker.log();
  EXPECT_EQ(inbox.messages()[0].payload, R"({"online":false})");
}

TEST_F(MqttClientTest, BrokerRestartIsSurvivedWithPersistentSession) {
  MosquittoFixture broker(tlsBrokerOptions());
  Inbox inbox;
  std::mutex events_mutex;
  std::vector<std::string> events;
  auto subscriber_options = optionsFor(broker, "relay", "secret-relay", "relay-persistent");
  subscriber_options.clean_start = false;
  // A slow first retry so the publisher below gets its messages in while we are away.
  subscriber_options.reconnect = {1500ms, 3000ms, 2.0, 0.0};
  auto subscriber = makeClient(subscriber_options);
  ASSERT_TRUE(subscriber);
  subscriber->setMessageHandler([&](const MqttMessage& message) { inbox.add(message); });
  subscriber->setConnectionHandler([&](bool connected, const std::string& reason) {
    const std::lock_guard lock(events_mutex);
    events.push_back(std::string(connected ? "up: " : "down: ") + reason);
  });
  ASSERT_TRUE(subscriber->connect(10s).ok());
  ASSERT_TRUE(subscriber->subscribe("punchlink/v1/sites/+/punches", 1, 5s).ok());
  // A shared subscription, as relay nodes use: Mosquitto 2.0 does not restore these with the
  // session after a restart, so the client must subscribe again.
  ASSERT_TRUE(
      subscriber->subscribe("$share/relays/punchlink/v1/sites/+/command-results", 1, 5s).ok());

  broker.stopBroker();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (subscriber->isConnected() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(subscriber->isConnected());
  broker.startBroker();

  auto publisher = connectedClient(optionsFor(broker, "site-a", "secret-a", "site-a"));
  ASSERT_TRUE(publisher);
  for (int i = 0; i < 5; ++i) {
    MqttMessage message{
        "punchlink/v1/sites/site-a/punches", "m" + std::to_string(i), 1, false, "", ""};
    ASSERT_TRUE(publisher->publish(message, 5s).ok());
  }
  // Published while the subscriber was still away: only its persistent session can deliver them.
  ASSERT_TRUE(inbox.waitFor(5, 15s)) << broker.log();
  ASSERT_TRUE(subscriber->waitConnected(5s));  // queued messages may beat the CONNACK handling
  const auto received = inbox.messages();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(received[static_cast<std::size_t>(i)].payload, "m" + std::to_string(i));
  }
  EXPECT_EQ(subscriber->stats().connects, 2U);
  EXPECT_EQ(subscriber->stats().connection_losses, 1U);
  // The client subscribes again right after its CONNACK; until then a shared message has no
  // taker and is dropped, so publish until one arrives.
  bool shared_received = false;
  for (int i = 0; i < 50 && !shared_received; ++i) {
    ASSERT_TRUE(
        publisher
            ->publish({"punchlink/v1/sites/site-a/command-results", "shared", 1, false, "", ""}, 5s)
            .ok());
    shared_received = inbox.waitFor(6, 200ms);
  }
  ASSERT_TRUE(shared_received) << "the shared subscription did not survive the restart";
  EXPECT_EQ(inbox.messages()[5].payload, "shared");
  // Connection events are delivered on the delivery thread, possibly just after the messages.
  const auto events_deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < events_deadline) {
    {
      const std::lock_guard lock(events_mutex);
      if (events.size() >= 3) {
        break;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  const std::lock_guard lock(events_mutex);
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0], "up: connected");
  EXPECT_EQ(events[1].rfind("down: ", 0), 0U);
  EXPECT_EQ(events[2], "up: connected, session resumed");
}

TEST_F(MqttClientTest, PlainTcpAndPublishWhileDisconnected) {
  MosquittoFixture broker;  // no TLS, anonymous
  Inbox inbox;
  auto options = optionsFor(broker, "", "", "plain-sub");
  auto subscriber = connectedClient(options, &inbox);
  ASSERT_TRUE(subscriber);
  ASSERT_TRUE(subscriber->subscribe("t/#", 0, 5s).ok());
  auto publisher = connectedClient(optionsFor(broker, "", "", "plain-pub"));
  ASSERT_TRUE(publisher);
  ASSERT_TRUE(publisher->publish({"t/1", "x", 0, false, "", ""}, 5s).ok());
  ASSERT_TRUE(inbox.waitFor(1, 5s));

  publisher->stop();
  const auto refused = publisher->publish({"t/1", "y", 1, false, "", ""}, 1s);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::Unavailable);
}

}  // namespace
}  // namespace punchlink::mqtt_client
