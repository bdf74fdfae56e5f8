// The operator console's server side over real HTTP on a real SQLite (or PostgreSQL) store:
// signing in with an API key, the session cookie acting as that key, CSRF, tenant isolation,
// the embedded assets and their headers, and the live stream (/v1/stream) with its slot caps.
#include "api/console_handler.hpp"
#include "api/http_server.hpp"
#include "api/rest_api.hpp"
#include "ingest/punch_ingest.hpp"
#include "store/store.hpp"
#include "tenancy/console_session.hpp"
#include "tenancy/tenancy.hpp"

#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace punchlink::relay::api {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class NoSender final : public CommandSender {
 public:
  Status send(const std::string& /*site_id*/, const std::string& /*payload*/) override {
    return {};
  }
};

// An open GET /v1/stream: reads what the relay has sent so far.
class OpenStream {
 public:
  OpenStream(std::uint16_t port, const std::string& path, const std::string& headers)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", port)) {
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
    socket_.sendBytes(request.data(), static_cast<int>(request.size()));
    socket_.setReceiveTimeout(Poco::Timespan(0, 200'000));
  }

  // Everything received once `text` is among it, or by `timeout`.
  std::string readUntil(const std::string& text, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(text) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      char buffer[4096];
      try {
        const int got = socket_.receiveBytes(buffer, sizeof buffer);
        if (got <= 0) {
          break;
        }
        received_.append(buffer, static_cast<std::size_t>(got));
      } catch (const Poco::TimeoutException&) {
      }
    }
    return received_;
  }

  void close() { socket_.close(); }

 private:
  Poco::Net::StreamSocket socket_;
  std::string received_;
};

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.setWall(std::chrono::system_clock::now());
    store_ = std::move(openStore(storage_.location(), clock_).value());
    ASSERT_TRUE(store_->migrate().ok());
    tracker_ = std::make_unique<CommandTracker>(store_->unitOfWork(), store_->commands(),
                                                store_->users(), store_->outbox());
    issuer_ = std::make_unique<CommandIssuer>(store_->commands(), *tracker_, sender_, clock_,
                                              std::chrono::hours{24});
    Tenants& tenants = store_->tenants();
    acme_ = tenancy::createTenant(tenants, "Acme").value().id;
    globex_ = tenancy::createTenant(tenants, "Globex").value().id;
    acme_key_ = createKey(acme_);
    globex_key_ = createKey(globex_);
    site_ = tenancy::createSite(tenants, acme_, "plant-7").value();
    ASSERT_TRUE(store_->devices().registerDevice(globex_, "GLOBEX-1", "their door", "").ok());
    sessions_ = std::make_unique<tenancy::ConsoleSessionService>(
        store_->consoleSessions(), store_->apiKeys(), store_->tenants(), clock_,
        tenancy::ConsoleSessionOptions{12h, 30min});
    limiter_ = std::make_unique<RateLimiter>(store_->apiGuard(), clock_, 1000);
    guard_ = std::make_unique<RequestGuard>(store_->apiKeys(), store_->apiGuard(), *limiter_,
                                            clock_, RequestGuardOptions{}, sessions_.get());
    options_.stream.per_tenant = 2;
    options_.stream.total = 3;
    options_.stream.poll_interval = 20ms;
    router_ = makeRestApi(
        {store_->tenants(), store_->devices(), store_->punches(), store_->deviceEvents(),
         store_->users(), store_->commands(), *issuer_, store_->endpoints(), store_->deliveryLog()},
        *guard_, clock_, options_);
    addConsoleRoutes(router_, *sessions_);
    http_port_ = testing::freeLoopbackPort();
    server_ = std::move(
        HttpServer::start({"127.0.0.1:" + std::to_string(http_port_), "", "", {}}, router_, logger_)
            .value());
  }

  void TearDown() override {
    // Open streams end once their time is up (the clock is manual).
    clock_.advance(1h);
    server_.reset();
  }

  std::string createKey(const std::string& tenant, bool live = true) {
    return tenancy::createApiKey(store_->tenants(), store_->apiKeys(), tenant, live, "", now(), 10)
        .value()
        .secret;
  }

  UtcMillis now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  }

  testing::HttpReply request(const std::string& method,
                             const std::string& path,
                             const std::string& body = "",
                             const std::map<std::string, std::string>& headers = {}) {
    return testing::httpRequest({http_port_, {}}, method, path, body, headers);
  }

  struct Session {
    std::string cookie;  // "pl_session=…", as the browser sends it back
    std::string csrf;
  };

  Session signIn(const std::string& key) {
    const auto reply = request("POST", "/console/session", json{{"key", key}}.dump());
    EXPECT_EQ(reply.status, 200) << reply.body;
    const std::string set_cookie = reply.header("set-cookie");
    return {set_cookie.substr(0, set_cookie.find(';')), reply.json().value("csrf_token", "")};
  }

  // A request as the console sends it: the cookie, and the CSRF token unless `csrf` is empty.
  testing::HttpReply asConsole(const Session& session,
                               const std::string& method,
                               const std::string& path,
                               const std::string& body = "",
                               const std::string& csrf = "<session>") {
    std::map<std::string, std::string> headers{{"Cookie", session.cookie}};
    if (!csrf.empty()) {
      headers["X-CSRF-Token"] = csrf == "<session>" ? session.csrf : csrf;
    }
    return request(method, path, body, headers);
  }

  void storePunch(const std::string& serial, const std::string& user) {
    const std::string local_time = testing::nthLocalTime(next_id_++);
    const json punch = {{"event_id", testing::punchEventId(serial, user, local_time)},
                        {"device_serial", serial},
                        {"user_id", user},
                        {"timestamp", "2026-03-01T08:00:00Z"},
                        {"local_time", local_time},
                        {"punch_type", "CheckIn"},
                        {"method", "Fingerprint"}};
    const auto batch = contract::decodePunchBatch(
        json{{"site_id", "plant-7"}, {"batch_id", "b"}, {"punches", json::array({punch})}}.dump(),
        "plant-7");
    ASSERT_TRUE(batch.ok());
    PunchIngest ingest(PunchIngestParts{store_->unitOfWork(), store_->sightings(),
                                        store_->punches(), store_->deviceEvents(), store_->users(),
                                        store_->outbox()});
    ASSERT_TRUE(ingest.ingest(site_, *batch, now()).ok());
  }

  std::string streamHeaders(const Session& session, const std::string& extra = "") {
    return "Cookie: " + session.cookie + "\r\n" + extra;
  }

  testing::TempDir dir_;
  testing::RelayStorage storage_{dir_};
  StorePtr store_;
  std::unique_ptr<CommandTracker> tracker_;
  NoSender sender_;
  std::unique_ptr<CommandIssuer> issuer_;
  testing::ManualClock clock_;
  std::unique_ptr<tenancy::ConsoleSessionService> sessions_;
  ApiOptions options_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<RequestGuard> guard_;
  Router router_;
  Logger logger_{"http", LogLevel::Error, StderrSink::detect(), clock_};
  std::uint16_t http_port_ = 0;
  std::unique_ptr<HttpServer> server_;
  std::string acme_;
  std::string globex_;
  std::string acme_key_;
  std::string globex_key_;
  Site site_;
  int next_id_ = 1;
};

TEST_F(ConsoleTest, SigningInGivesAnHttpOnlyStrictCookieThatActsAsTheKey) {
  const auto reply = request("POST", "/console/session", json{{"key", acme_key_}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const std::string cookie = reply.header("set-cookie");
  EXPECT_EQ(cookie.rfind(std::string(kSessionCookie) + "=", 0), 0U) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // plain HTTP on loopback
  // The key is never echoed, and the answer is not cached.
  EXPECT_EQ(reply.body.find(acme_key_), std::string::npos);
  EXPECT_EQ(reply.header("cache-control"), "no-store");
  const json body = reply.json();
  EXPECT_EQ(body["tenant"]["name"], "Acme");
  EXPECT_EQ(body["mode"], "live");
  EXPECT_EQ(body["csrf_token"].get<std::string>().size(), 32U);

  const Session session{cookie.substr(0, cookie.find(';')), body["csrf_token"]};
  EXPECT_EQ(asConsole(session, "GET", "/v1/devices", "", "").status, 200);  // reads need no token
  EXPECT_EQ(asConsole(session, "GET", "/console/session", "", "").json()["csrf_token"],
            session.csrf);
  EXPECT_EQ(asConsole(session, "POST", "/v1/devices",
                      R"({"serial_number":"SN-NEW","name":"Gate","location":"North"})")
                .status,
            201);
}

TEST_F(ConsoleTest, AWrongKeyOrAForgedCookieIsRefused) {
  for (const std::string& key : {std::string("sk_live_0000"), std::string(""),
                                 std::string(5000, 'k'), std::string("\xff\xfe")}) {
    const auto reply =
        request("POST", "/console/session",
                json{{"key", key}}.dump(-1, ' ', false, json::error_handler_t::replace));
    EXPECT_TRUE(reply.status == 401 || reply.status == 400) << reply.status << " " << reply.body;
    EXPECT_TRUE(reply.header("set-cookie").empty() ||
                reply.header("set-cookie").find("Max-Age=0") != std::string::npos);
  }
  EXPECT_EQ(request("POST", "/console/session", "not json").status, 400);
  for (const std::string& forged :
       {std::string(kSessionCookie) + "=" + std::string(64, '0'), std::string(kSessionCookie) + "=",
        std::string(kSessionCookie) + "=" + std::string(4000, 'a'),
        std::string(kSessionCookie) + "=\x01\x02;;;=="}) {
    const auto reply = request("GET", "/v1/devices", "", {{"Cookie", forged}});
    EXPECT_EQ(reply.status, 401) << forged;
    EXPECT_EQ(reply.json()["code"], "unauthenticated");
  }
}

// A page on another origin can make the browser send the cookie (same site: another port of the
// same host), but it never learns the token.
TEST_F(ConsoleTest, StateChangesWithoutTheSessionsCsrfTokenAreRefusedAndChangeNothing) {
  const auto session = signIn(acme_key_);
  const auto other = signIn(acme_key_);  // another tab: its own token
  for (const std::string& token :
       {std::string(""), std::string("0123456789abcdef"), other.csrf, session.csrf + "0"}) {
    auto reply = asConsole(session, "POST", "/v1/devices",
                           R"({"serial_number":"SN-CSRF","name":"x","location":"y"})",
                           token.empty() ? "" : token);
    EXPECT_EQ(reply.status, 403) << token;
    EXPECT_EQ(reply.json()["code"], "csrf_failed");
    reply = asConsole(session, "DELETE", "/console/session", "", token.empty() ? "" : token);
    EXPECT_EQ(reply.status, 403) << token;
  }
  EXPECT_EQ(asConsole(session, "GET", "/v1/devices/SN-CSRF").status, 404);  // nothing was made
  EXPECT_EQ(asConsole(session, "GET", "/v1/devices").status, 200);          // and the session holds
}

TEST_F(ConsoleTest, ASessionSeesAndChangesOnlyItsOwnTenant) {
  const auto acme = signIn(acme_key_);
  EXPECT_EQ(asConsole(acme, "GET", "/v1/devices/GLOBEX-1").status, 404);
  EXPECT_EQ(asConsole(acme, "PATCH", "/v1/devices/GLOBEX-1", R"({"name":"mine now"})").status, 404);
  EXPECT_EQ(asConsole(acme, "DELETE", "/v1/devices/GLOBEX-1").status, 404);
  const json devices = asConsole(acme, "GET", "/v1/devices").json();
  EXPECT_EQ(devices.dump().find("GLOBEX-1"), std::string::npos);
  // A cookie does not widen a key: with both, the Authorization header decides.
  const auto reply = request("GET", "/v1/devices/GLOBEX-1", "",
                             {{"Cookie", acme.cookie}, {"Authorization", "Bearer " + globex_key_}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(request("GET", "/v1/devices/GLOBEX-1", "",
                    {{"Cookie", acme.cookie}, {"Authorization", "Bearer sk_live_nope"}})
                .status,
            401);
}

TEST_F(ConsoleTest, ATestKeysSessionStaysOffTheTerminals) {
  const auto session = signIn(createKey(acme_, false));
  const auto reply = asConsole(session, "POST", "/v1/users",
                               R"({"device_id":"SN-1","user_id":"7","name":"Test"})");
  EXPECT_EQ(reply.status, 403) << reply.body;
  EXPECT_EQ(asConsole(session, "GET", "/console/session").json()["mode"], "test");
}

TEST_F(ConsoleTest, SigningOutRevokingTheKeyExpiryAndIdlingEachEndTheSession) {
  auto session = signIn(acme_key_);
  auto reply = asConsole(session, "DELETE", "/console/session");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(asConsole(session, "GET", "/v1/devices").status, 401);  // the old cookie is dead

  session = signIn(acme_key_);
  clock_.advance(29min);
  EXPECT_EQ(asConsole(session, "GET", "/v1/devices").status, 200);  // used: idle time restarts
  clock_.advance(29min);
  EXPECT_EQ(asConsole(session, "GET", "/v1/devices").status, 200);
  clock_.advance(31min);
  EXPECT_EQ(asConsole(session, "GET", "/v1/devices").status, 401);  // idle too long

  session = signIn(acme_key_);
  for (int i = 0; i < 12 * 4; ++i) {  // used every 15 minutes, still ended after 12 hours
    clock_.advance(15min);
    if (asConsole(session, "GET", "/v1/devices").status != 200) {
      EXPECT_GE(i, 12 * 4 - 2);
      break;
    }
  }
  EXPECT_EQ(asConsole(session, "GET", "/v1/devices").status, 401);

  session = signIn(acme_key_);
  auto keys = store_->apiKeys().listApiKeys(acme_);
  ASSERT_TRUE(keys.ok());
  for (const auto& key : *keys) {
    ASSERT_TRUE(store_->apiKeys().revokeApiKey(key.id, now()).ok());
  }
  reply = asConsole(session, "GET", "/v1/devices");
  EXPECT_EQ(reply.status, 401);
  EXPECT_NE(reply.json()["error"].get<std::string>().find("sign in again"), std::string::npos);
}

TEST_F(ConsoleTest, SigningInOverAndOverKeepsAKeysNewestSessionsOnly) {
  std::vector<Session> sessions;
  for (int i = 0; i < tenancy::kSessionsPerKey + 5; ++i) {
    sessions.push_back(signIn(acme_key_));
    clock_.advance(1s);
  }
  EXPECT_EQ(asConsole(sessions.front(), "GET", "/v1/devices").status, 401);
  EXPECT_EQ(asConsole(sessions.back(), "GET", "/v1/devices").status, 200);
  int alive = 0;
  for (const auto& session : sessions) {
    alive += asConsole(session, "GET", "/v1/devices").status == 200 ? 1 : 0;
  }
  EXPECT_EQ(alive, tenancy::kSessionsPerKey);
}

TEST_F(ConsoleTest, AssetsAreServedWithAPolicyThatAllowsNothingFromElsewhere) {
  for (const char* path :
       {"/console", "/console/", "/console/index.html", "/console/app.js", "/console/styles.css"}) {
    const auto reply = request("GET", path);
    ASSERT_EQ(reply.status, 200) << path;
    const std::string policy = reply.header("content-security-policy");
    EXPECT_NE(policy.find("default-src 'self'"), std::string::npos) << path;
    EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(policy.find("unsafe"), std::string::npos);
    EXPECT_EQ(reply.header("x-content-type-options"), "nosniff");
  }
  EXPECT_EQ(request("GET", "/console/index.html").header("content-type"),
            "text/html; charset=utf-8");
  EXPECT_EQ(request("GET", "/console/app.js").header("content-type"),
            "text/javascript; charset=utf-8");
  for (const char* path :
       {"/console/../relay.yaml", "/console/%2e%2e/etc/passwd", "/console/nothing.js"}) {
    EXPECT_EQ(request("GET", path).status, 404) << path;
  }
}

TEST_F(ConsoleTest, TheStreamSendsNewPunchesAndResumesAfterTheLastIdItGot) {
  const auto session = signIn(acme_key_);
  storePunch("SN-1", "before");  // stored before the stream opened: for /v1/logs, not the stream
  OpenStream stream(http_port_, "/v1/stream", streamHeaders(session));
  auto received = stream.readUntil("retry: 1000");
  ASSERT_NE(received.find("HTTP/1.1 200"), std::string::npos) << received;
  EXPECT_NE(received.find("text/event-stream"), std::string::npos);
  storePunch("SN-1", "first");
  storePunch("SN-2", "second");
  received = stream.readUntil("\"user_id\":\"second\"");
  EXPECT_EQ(received.find("\"user_id\":\"before\""), std::string::npos);
  ASSERT_NE(received.find("event: punch"), std::string::npos) << received;
  // The id of the first punch event: a client coming back with it gets the second only.
  const auto id_at = received.find("\nid: ");
  ASSERT_NE(id_at, std::string::npos);
  const std::string id = received.substr(id_at + 5, received.find('\n', id_at + 5) - id_at - 5);
  stream.close();
  std::this_thread::sleep_for(300ms);

  OpenStream resumed(http_port_, "/v1/stream",
                     streamHeaders(session, "Last-Event-ID: " + id + "\r\n"));
  received = resumed.readUntil("\"user_id\":\"second\"");
  EXPECT_NE(received.find("\"user_id\":\"second\""), std::string::npos) << id << received;
  EXPECT_EQ(received.find("\"user_id\":\"first\""), std::string::npos);
  resumed.close();
  std::this_thread::sleep_for(300ms);  // the relay notices within a poll and frees the slot

  OpenStream filtered(http_port_, "/v1/stream?after=0.0&device_id=SN-2", streamHeaders(session));
  received = filtered.readUntil("\"user_id\":\"second\"");
  EXPECT_NE(received.find("\"user_id\":\"second\""), std::string::npos) << received;
  EXPECT_EQ(received.find("\"user_id\":\"first\""), std::string::npos);
  filtered.close();
}

TEST_F(ConsoleTest, StreamsAreRefusedPastTheirCapsAndOtherTenantsSeeNoneOfThem) {
  const auto acme = signIn(acme_key_);
  const auto globex = signIn(globex_key_);
  OpenStream first(http_port_, "/v1/stream", streamHeaders(acme));
  OpenStream second(http_port_, "/v1/stream", streamHeaders(acme));
  ASSERT_NE(first.readUntil("retry:").find("200"), std::string::npos);
  ASSERT_NE(second.readUntil("retry:").find("200"), std::string::npos);
  OpenStream third(http_port_, "/v1/stream", streamHeaders(acme));
  auto refused = third.readUntil("too_many_streams");
  EXPECT_NE(refused.find("HTTP/1.1 429"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Retry-After"), std::string::npos);

  // Globex has a slot of its own, but the node's last one; its stream shows none of Acme's.
  OpenStream theirs(http_port_, "/v1/stream", streamHeaders(globex));
  ASSERT_NE(theirs.readUntil("retry:").find("200"), std::string::npos);
  OpenStream over(http_port_, "/v1/stream", streamHeaders(globex));
  EXPECT_NE(over.readUntil("too_many_streams").find("429"), std::string::npos);
  storePunch("SN-1", "acme-only");
  EXPECT_NE(first.readUntil("acme-only").find("acme-only"), std::string::npos);
  EXPECT_EQ(theirs.readUntil("acme-only", 1s).find("acme-only"), std::string::npos);

  // A client that went away frees its slot at once.
  first.close();
  std::this_thread::sleep_for(300ms);
  OpenStream again(http_port_, "/v1/stream", streamHeaders(acme));
  EXPECT_NE(again.readUntil("retry:").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(ConsoleTest, StreamPositionsThatAreNotOursAreRefused) {
  const auto session = signIn(acme_key_);
  for (const char* id : {"x", "1", "1.", ".1", "-1.0", "1.2.3", "99999999999999999999.0"}) {
    const auto reply =
        request("GET", "/v1/stream", "", {{"Cookie", session.cookie}, {"Last-Event-ID", id}});
    EXPECT_EQ(reply.status, 400) << id;
    EXPECT_EQ(reply.json()["field"], "Last-Event-ID");
  }
}

}  // namespace
}  // namespace punchlink::relay::api
