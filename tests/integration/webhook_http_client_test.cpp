// WebhookHttpClient against hostile receivers on loopback: a host name that rebinds must not
// lead the connection anywhere the policy did not pass. Only loopback is ever connected to:
// scripted resolvers may answer public addresses, but the scripted connector refuses those
// without touching the network.
#include "webhooks/webhook_http_client.hpp"

#include <punchlink/testing/webhook_receiver.hpp>

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

namespace punchlink::relay::webhooks {
namespace {

using namespace std::chrono_literals;

WebhookHttpOptions loopbackOptions(std::chrono::milliseconds timeout) {
  WebhookHttpOptions options;
  options.timeout = timeout;
  options.policy.allow_http = true;
  options.policy.allow_private_networks = true;
  return options;
}

// Where the client was asked to connect; it connects for real only to loopback.
class RecordingConnector {
 public:
  TcpConnector connector() {
    return [this](const Poco::Net::SocketAddress& address, const Poco::Timespan& timeout) {
      {
        const std::lock_guard lock(mutex_);
        dialled_.push_back(address.toString());
      }
      if (!address.host().isLoopback()) {
        throw Poco::Net::ConnectionRefusedException(address.toString());
      }
      Poco::Net::StreamSocket socket;
      socket.connect(address, timeout);
      return socket;
    };
  }

  std::vector<std::string> dialled() const {
    const std::lock_guard lock(mutex_);
    return dialled_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> dialled_;
};

// A rebinding DNS server: the answers in turn, the last one from then on.
HostResolver rebinding(std::vector<std::string> answers, std::atomic<int>& lookups) {
  return [answers = std::move(answers),
          &lookups](const std::string& /*host*/) -> Result<std::vector<Poco::Net::IPAddress>> {
    const auto turn = static_cast<std::size_t>(lookups++);
    return std::vector{Poco::Net::IPAddress(answers[std::min(turn, answers.size() - 1)])};
  };
}

// The check saw a public address; a second lookup for the connection would have said 127.0.0.1
// and reached the relay's own loopback services.
TEST(WebhookHttpClient, ARebindingHostIsConnectedToOnlyAtTheAddressThatPassed) {
  Poco::Net::ServerSocket loopback(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string port = std::to_string(loopback.address().port());
  std::atomic<int> lookups{0};
  RecordingConnector connector;
  WebhookHttpOptions options;  // private networks refused
  options.timeout = 1s;
  options.policy.allow_http = true;
  options.resolve = rebinding({"93.184.216.34", "127.0.0.1"}, lookups);
  options.connect = connector.connector();
  WebhookHttpClient client(options);

  const auto first = client.post("http://rebind.example:" + port + "/hook", {}, "{}");
  EXPECT_EQ(lookups, 1) << "one lookup per attempt";
  EXPECT_EQ(connector.dialled(), std::vector<std::string>{"93.184.216.34:" + port});
  EXPECT_EQ(first.status, 0);
  EXPECT_NE(first.error.find("Connection refused"), std::string::npos) << first.error;

  // The next attempt's lookup says loopback: refused before anything is dialled.
  const auto second = client.post("http://rebind.example:" + port + "/hook", {}, "{}");
  EXPECT_EQ(second.status, 0);
  EXPECT_EQ(second.error,
            "refused: host rebind.example resolves to a loopback or private address, which "
            "production relays do not call");
  EXPECT_EQ(connector.dialled().size(), 1U);
  EXPECT_FALSE(loopback.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ))
      << "a connection reached the loopback listener";
}

// A kept-alive connection is reused only while the host still resolves to its address.
TEST(WebhookHttpClient, KeptAliveConnectionsAreReusedPerHostAndAddress) {
  testing::WebhookReceiver receiver;
  const std::string port = std::to_string(receiver.port());
  std::atomic<int> lookups{0};
  std::vector<std::string> dialled;
  WebhookHttpOptions options = loopbackOptions(2s);
  options.resolve = rebinding({"127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2"}, lookups);
  // Every loopback address reaches the one receiver, which listens on 127.0.0.1 only.
  options.connect = [&](const Poco::Net::SocketAddress& address, const Poco::Timespan& timeout) {
    dialled.push_back(address.host().toString());
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", receiver.port()), timeout);
    return socket;
  };
  WebhookHttpClient client(options);
  for (int i = 0; i < 4; ++i) {
    const auto result = client.post("http://receiver.test:" + port + "/hook", {}, "{}");
    EXPECT_EQ(result.status, 200) << result.error;
  }
  EXPECT_EQ(dialled, (std::vector<std::string>{"127.0.0.1", "127.0.0.2"}));
  ASSERT_EQ(receiver.received().size(), 4U);
  EXPECT_EQ(receiver.received()[0].headers.at("host"), "receiver.test:" + port);
}

}  // namespace
}  // namespace punchlink::relay::webhooks
