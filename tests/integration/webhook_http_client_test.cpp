// WebhookHttpClient against hostile receivers on loopback: one that drips its answer (headers,
// body or TLS handshake) a byte at a time must not hold the attempt past its deadline, and a
// host name that rebinds must not lead the connection anywhere the policy did not pass. Only
// loopback is ever connected to: scripted resolvers may answer public addresses, but the
// scripted connector refuses those without touching the network.
#include "webhooks/webhook_http_client.hpp"

#include <punchlink/testing/webhook_receiver.hpp>

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>

namespace punchlink::relay::webhooks {
namespace {

using namespace std::chrono_literals;

// Accepts connections on 127.0.0.1 and answers each one slowly: reads the request (for TLS, the
// ClientHello), sends `prefix`, then one byte every `interval` until the client goes away or the
// server is destroyed. Each connection has its own thread.
class DrippingServer {
 public:
  DrippingServer(std::string prefix, std::chrono::milliseconds interval)
      : listener_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        prefix_(std::move(prefix)),
        interval_(interval) {
    acceptor_ = std::thread([this] { acceptLoop(); });
  }

  ~DrippingServer() {
    stopping_ = true;
    acceptor_.join();
    const std::lock_guard lock(mutex_);
    for (auto& connection : connections_) {
      connection.join();
    }
  }

  DrippingServer(const DrippingServer&) = delete;
  DrippingServer& operator=(const DrippingServer&) = delete;
  DrippingServer(DrippingServer&&) = delete;
  DrippingServer& operator=(DrippingServer&&) = delete;

  std::uint16_t port() const { return listener_.address().port(); }

  int accepted() const { return accepted_; }

 private:
  void acceptLoop() {
    while (!stopping_) {
      if (!listener_.poll(Poco::Timespan(50'000), Poco::Net::Socket::SELECT_READ)) {
        continue;
      }
      Poco::Net::StreamSocket socket = listener_.acceptConnection();
      ++accepted_;
      const std::lock_guard lock(mutex_);
      connections_.emplace_back([this, socket]() mutable { drip(socket); });
    }
  }

  void drip(Poco::Net::StreamSocket socket) {
    try {
      std::array<char, 16384> request{};
      socket.setReceiveTimeout(Poco::Timespan(2, 0));
      (void)socket.receiveBytes(request.data(), static_cast<int>(request.size()));
      socket.sendBytes(prefix_.data(), static_cast<int>(prefix_.size()));
      while (true) {
        for (auto slept = 0ms; slept < interval_; slept += 10ms) {
          if (stopping_) {
            return;
          }
          std::this_thread::sleep_for(10ms);
        }
        const char byte = 'x';
        if (socket.sendBytes(&byte, 1) != 1) {
          return;
        }
      }
    } catch (const Poco::Exception&) {
      // The client closed the connection: what a timed-out attempt does.
    }
  }

  Poco::Net::ServerSocket listener_;
  std::string prefix_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
};

WebhookHttpOptions loopbackOptions(std::chrono::milliseconds timeout) {
  WebhookHttpOptions options;
  options.timeout = timeout;
  options.policy.allow_http = true;
  options.policy.allow_private_networks = true;
  return options;
}

// Posts on another thread and waits at most `limit` for the answer. On timeout the result's
// error says so; the attempt still finishes once the server goes away.
struct TimedPost {
  HttpAttemptResult result;
  std::chrono::milliseconds took{0};
  bool finished = false;
};

TimedPost postWithin(WebhookHttpClient& client,
                     const std::string& url,
                     std::chrono::milliseconds limit,
                     std::future<HttpAttemptResult>& pending) {
  TimedPost timed;
  const auto started = std::chrono::steady_clock::now();
  pending = std::async(std::launch::async, [&client, url] { return client.post(url, {}, "{}"); });
  if (pending.wait_for(limit) == std::future_status::ready) {
    timed.finished = true;
    timed.result = pending.get();
    timed.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
  }
  return timed;
}

// Posts to `path` on the dripping server `answer` starts, with attempt_timeout 1 s. Declared in
// this order, the server goes first (ending an attempt still running if the check failed), then
// the pending attempt, then the client it uses.
void expectTimeoutAtTheDeadline(const std::string& answer, const std::string& scheme_and_host) {
  WebhookHttpClient client(loopbackOptions(1s));
  std::future<HttpAttemptResult> pending;
  DrippingServer server(answer, 300ms);
  const auto timed = postWithin(
      client, scheme_and_host + ":" + std::to_string(server.port()) + "/hook", 3s, pending);
  ASSERT_TRUE(timed.finished) << "the attempt was still running after 3 s";
  EXPECT_LT(timed.took, 1500ms);
  EXPECT_EQ(timed.result.error, "timed out after 1000 ms");
  EXPECT_EQ(timed.result.status, 0) << "an answer cut off by the deadline is not a 2xx";
}

// The receiver that used to hold a worker for days: each byte comes well within the old
// per-read timeout, so only a deadline for the whole attempt ends it.
TEST(WebhookHttpClient, ADrippedBodyEndsAtTheAttemptDeadline) {
  expectTimeoutAtTheDeadline("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n",
                             "http://127.0.0.1");
}

// Poco parses headers byte by byte from its buffer, refilled by one read at a time.
TEST(WebhookHttpClient, DrippedHeadersEndAtTheAttemptDeadline) {
  expectTimeoutAtTheDeadline("HTTP/1.1 200 OK\r\nX-Slow: ", "http://127.0.0.1");
}

// A TLS record header announcing 16 KiB, then the bytes one by one: OpenSSL waits inside the
// handshake, where no per-read timeout of ours applies.
TEST(WebhookHttpClient, ADrippedTlsHandshakeEndsAtTheAttemptDeadline) {
  expectTimeoutAtTheDeadline(std::string("\x16\x03\x03\x40\x00\x02", 6), "https://localhost");
}

// Attempts to a dripping receiver on other threads do not hold up one to a healthy receiver.
TEST(WebhookHttpClient, AttemptsToADrippingReceiverDoNotDelayOthers) {
  // Destroyed in reverse: the servers first, so attempts still running end before the client.
  WebhookHttpClient client(loopbackOptions(1s));
  std::vector<std::future<HttpAttemptResult>> stuck;
  DrippingServer slow("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n", 300ms);
  DrippingServer healthy("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", 10s);
  for (int i = 0; i < 4; ++i) {
    stuck.push_back(std::async(std::launch::async, [&] {
      return client.post("http://127.0.0.1:" + std::to_string(slow.port()) + "/hook", {}, "{}");
    }));
  }
  const auto ok =
      client.post("http://127.0.0.1:" + std::to_string(healthy.port()) + "/hook", {}, "{}");
  EXPECT_EQ(ok.status, 204) << ok.error;
  for (auto& attempt : stuck) {
    ASSERT_EQ(attempt.wait_for(3s), std::future_status::ready);
    EXPECT_EQ(attempt.get().error, "timed out after 1000 ms");
  }
}

// The watchdog ends a read blocked past its deadline, and leaves sockets alone that are
// unwatched before theirs (it closes only its own duplicates).
TEST(WebhookAttemptWatchdog, ShutsASocketDownAtItsDeadlineOnly) {
  std::array<int, 2> watched{};
  std::array<int, 2> spared{};
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, watched.data()), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, spared.data()), 0);
  AttemptWatchdog watchdog;
  {
    const auto started = std::chrono::steady_clock::now();
    const auto early = watchdog.watch(watched[0], started + 200ms);
    const auto later = watchdog.watch(spared[0], started + 1h);
    char byte = 0;
    EXPECT_EQ(::recv(watched[0], &byte, 1, 0), 0) << "end of stream once shut down";
    EXPECT_GE(std::chrono::steady_clock::now() - started, 190ms);
    EXPECT_TRUE(early.fired());
    EXPECT_FALSE(later.fired());
  }
  char byte = 0;
  ASSERT_EQ(::send(spared[1], "x", 1, MSG_NOSIGNAL), 1);
  EXPECT_EQ(::recv(spared[0], &byte, 1, 0), 1);
  EXPECT_EQ(byte, 'x');
  for (const int fd : {watched[0], watched[1], spared[0], spared[1]}) {
    EXPECT_EQ(::close(fd), 0) << "still open, closed only by its owner";
  }
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
  // The receiver records a request just after answering it.
  ASSERT_TRUE(receiver.waitFor([](const auto& got) { return got.size() == 4; }, 5s));
  EXPECT_EQ(receiver.received()[0].headers.at("host"), "receiver.test:" + port);
}

}  // namespace
}  // namespace punchlink::relay::webhooks
