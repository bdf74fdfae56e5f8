// The guarded HTTP listener every server of the project runs on, against real sockets on
// loopback: bodies handed over whole or refused, and clients that drip their requests.
#include <punchlink/common/http_listener.hpp>
#include <punchlink/testing/drip_client.hpp>
#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/http_client.hpp>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace punchlink {
namespace {

using namespace std::chrono_literals;

// Answers "<method> <body size>" or 413, and counts the requests it answered.
class EchoListener {
 public:
  explicit EchoListener(HttpListenerOptions options)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    port_ = socket_.address().port();
    listener_ = startHttpListener(
        socket_, options,
        [this](Poco::Net::HTTPServerRequest& request, const RequestBody& body,
               Poco::Net::HTTPServerResponse& response) {
          ++answered_;
          const std::string text =
              body ? request.getMethod() + " " + std::to_string(body->size()) : "too large";
          response.setStatus(body ? Poco::Net::HTTPResponse::HTTP_OK
                                  : Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
          response.setContentLength(static_cast<std::streamsize>(text.size()));
          response.send() << text;
        });
  }

  std::uint16_t port() const { return port_; }

  int answered() const { return answered_; }

 private:
  Poco::Net::ServerSocket socket_;
  std::uint16_t port_ = 0;
  std::atomic<int> answered_{0};
  HttpListenerPtr listener_;
};

TEST(HttpListener, TheHandlerGetsTheWholeBodyOrNothingWhenItIsTooLong) {
  EchoListener server({.max_threads = 2, .max_body_bytes = 1000});
  const auto small = testing::httpRequest({server.port(), {}}, "POST", "/", std::string(1000, 'x'));
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(small.body, "POST 1000");
  const auto large = testing::httpRequest({server.port(), {}}, "POST", "/", std::string(1001, 'x'));
  EXPECT_EQ(large.status, 413);
  EXPECT_EQ(testing::httpRequest({server.port(), {}}, "GET", "/").body, "GET 0");
}

// A request without Content-Length or chunked encoding has no body: answered at once, not once
// the client gives up (a browser's CORS preflight is such a request, and waited 30 s).
TEST(HttpListener, RequestsWithoutADeclaredBodyAreAnsweredAtOnce) {
  EchoListener server({.max_threads = 2, .connection_deadline = 20s});
  for (const char* method : {"OPTIONS", "POST", "PUT", "DELETE"}) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", server.port()));
    const std::string request = std::string(method) + " / HTTP/1.1\r\nHost: x\r\n\r\n";
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    socket.setReceiveTimeout(Poco::Timespan(3, 0));
    std::string reply;
    char buffer[512];
    const auto started = std::chrono::steady_clock::now();
    try {
      while (reply.find(std::string(method) + " 0") == std::string::npos) {
        const int got = socket.receiveBytes(buffer, sizeof buffer);
        if (got <= 0) {
          break;
        }
        reply.append(buffer, static_cast<std::size_t>(got));
      }
    } catch (const Poco::TimeoutException&) {
    }
    EXPECT_NE(reply.find(std::string(method) + " 0"), std::string::npos) << method << ": " << reply;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s) << method;
  }
}

// Four threads, all held by clients that never finish a request: while they are, a real
// request is served once the grace has cut them, not after the connection deadline.
TEST(HttpListener, ClientsDeliveringNothingMakeRoomWhileEveryThreadIsTaken) {
  EchoListener server(
      {.max_threads = 4, .connection_deadline = 60s, .per_address = 0, .busy_grace = 300ms});
  const std::vector<std::string> sources(4, "127.0.0.1");
  testing::DripClients headers(server.port(), sources, 100ms);
  testing::DripClients bodies(server.port(), sources, 100ms,
                              std::string(testing::DripClients::kSlowBodyOpening));
  std::this_thread::sleep_for(200ms);
  const auto started = std::chrono::steady_clock::now();
  const auto reply = testing::httpRequest({server.port(), {}}, "GET", "/");
  EXPECT_EQ(reply.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(testing::eventually([&] { return headers.closed() + bodies.closed() >= 4; }, 5s));
  EXPECT_EQ(server.answered(), 1);  // no dripped request ever reached the handler
}

// With threads to spare nobody is cut early: a slow client is only held to the deadline.
TEST(HttpListener, ASlowClientIsLeftAloneWhileThreadsAreFree) {
  EchoListener server(
      {.max_threads = 8, .connection_deadline = 60s, .per_address = 0, .busy_grace = 200ms});
  testing::DripClients slow(server.port(), {"127.0.0.1", "127.0.0.1"}, 100ms);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(slow.open(), 2);
  EXPECT_EQ(testing::httpRequest({server.port(), {}}, "GET", "/").status, 200);
}

}  // namespace
}  // namespace punchlink
