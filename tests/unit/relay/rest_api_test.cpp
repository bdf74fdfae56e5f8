// The /v1 REST API over real HTTP (the relay's Poco server on loopback), on a real SQLite store.
#include "api/rest_api.hpp"

#include "api/http_server.hpp"
#include "api/openapi_document.hpp"
#include "ingest/punch_ingest.hpp"
#include "ingest/status_ingest.hpp"
#include "store/sql_database.hpp"
#include "store/store.hpp"
#include "tenancy/tenancy.hpp"
#include "webhooks/endpoint_fields.hpp"

#include <punchlink/contract/command.hpp>
#include <punchlink/contract/device_event.hpp>
#include <punchlink/contract/device_status.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <Poco/URI.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace punchlink::relay::api {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class RecordingSender final : public CommandSender {
 public:
  Status send(const std::string& site_id, const std::string& payload) override {
    sent.emplace_back(site_id, payload);
    return {};
  }

  std::vector<std::pair<std::string, std::string>> sent;
};

class RestApiTest : public ::testing::Test {
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
    acme_key_ = tenancy::createApiKey(tenants, store_->apiKeys(), acme_, true, "", now(), 10)
                    .value()
                    .secret;
    globex_key_ = tenancy::createApiKey(tenants, store_->apiKeys(), globex_, true, "", now(), 10)
                      .value()
                      .secret;
    site_ = tenancy::createSite(tenants, acme_, "plant-7").value();
    makeRouter();
    http_port_ = testing::freeLoopbackPort();
    server_ = std::move(
        HttpServer::start({"127.0.0.1:" + std::to_string(http_port_), "", "", {}}, router_, logger_)
            .value());
  }

  RestApiParts parts() {
    return {store_->tenants(),    store_->devices(),  store_->punches(), store_->deviceEvents(),
            store_->users(),      store_->commands(), *issuer_,          store_->endpoints(),
            store_->deliveryLog()};
  }

  // The router as the relay builds it, with `per_minute` requests per key.
  void makeRouter(int per_minute = 100) {
    limiter_ = std::make_unique<RateLimiter>(store_->apiGuard(), clock_, per_minute);
    guard_ =
        std::make_unique<RequestGuard>(store_->apiKeys(), store_->apiGuard(), *limiter_, clock_);
    router_ = makeRestApi(parts(), *guard_, clock_, options_);
    addServiceRoutes(router_, probes());
  }

  UtcMillis now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  }

  // A terminal's status as a site reported it (stored as given, as ingest would after checking).
  void reportStatus(const std::string& serial, const std::string& status_json) {
    ASSERT_TRUE(store_->sightings().recordStatus(site_, serial, status_json, "", true, now()).ok());
  }

  static ServiceProbes probes() {
    return {[] {
              return nlohmann::ordered_json{{"status", "ok"}};
            },
            [] { return std::string("punchlink_relay_up 1\n"); }};
  }

  // One request over real HTTP to the relay's HTTP server, answered as the client sees it
  // (header names lower-cased).
  ApiResponse call(const std::string& method,
                   const std::string& path,
                   const std::string& key = "",
                   const std::string& body = "",
                   std::map<std::string, std::string> query = {},
                   std::map<std::string, std::string> headers = {}) {
    Poco::URI uri(path);
    for (const auto& [name, value] : query) {
      uri.addQueryParameter(name, value);
    }
    if (!key.empty()) {
      headers["Authorization"] = "Bearer " + key;
    }
    const auto reply =
        testing::httpRequest({http_port_, {}}, method, uri.getPathAndQuery(), body, headers);
    ApiResponse response;
    response.status = reply.status;
    response.body = nlohmann::ordered_json::parse(reply.body, nullptr, false);
    for (const auto& [name, value] : reply.headers) {
      response.headers.emplace_back(name, value);
    }
    return response;
  }

  static std::string header(const ApiResponse& response, const std::string& lower_name) {
    for (const auto& [key, value] : response.headers) {
      if (key == lower_name) {
        return value;
      }
    }
    return "";
  }

  // The relay's own ingest over this test's store.
  PunchIngest ingester() {
    return PunchIngest(PunchIngestParts{store_->unitOfWork(), store_->sightings(),
                                        store_->punches(), store_->deviceEvents(), store_->users(),
                                        store_->outbox()});
  }

  void storePunches(int count, const std::string& serial = "SN1") {
    json punches = json::array();
    for (int i = 0; i < count; ++i) {
      const std::string user = i % 2 == 0 ? "EMP_001" : "EMP_002";
      const std::string local_time = testing::nthLocalTime(next_id_++);
      const int minute = i % 60;
      char timestamp[32];
      std::snprintf(timestamp, sizeof timestamp, "2026-03-%02dT08:%02d:00Z", 1 + (i / 60) % 28,
                    minute);
      punches.push_back({{"event_id", testing::punchEventId(serial, user, local_time)},
                         {"device_serial", serial},
                         {"user_id", user},
                         {"timestamp", timestamp},
                         {"local_time", local_time},
                         {"punch_type", "CheckIn"},
                         {"method", "Fingerprint"}});
      if (punches.size() == 1000 || i == count - 1) {
        const auto batch = contract::decodePunchBatch(
            json{{"site_id", "plant-7"}, {"batch_id", "b"}, {"punches", punches}}.dump(),
            "plant-7");
        ASSERT_TRUE(batch.ok());
        ASSERT_TRUE(ingester().ingest(site_, *batch, now()).ok());
        punches = json::array();
      }
    }
  }

  testing::TempDir dir_;
  testing::RelayStorage storage_{dir_};
  StorePtr store_;
  std::unique_ptr<CommandTracker> tracker_;
  RecordingSender sender_;
  std::unique_ptr<CommandIssuer> issuer_;
  testing::ManualClock clock_;
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

TEST_F(RestApiTest, AuthenticationIsRequiredAndChecked) {
  auto response = call("GET", "/v1/logs");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.body["code"], "unauthenticated");
  EXPECT_NE(response.body["error"].get<std::string>().find("Bearer"), std::string::npos);
  response = call("GET", "/v1/logs", "sk_live_not_a_key");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(call("GET", "/healthz").status, 200);  // health needs no key
}

TEST_F(RestApiTest, UnknownRoutesAndMethods) {
  auto response = call("GET", "/v1/nope", acme_key_);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body["code"], "not_found");
  response = call("PUT", "/v1/devices", acme_key_);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(header(response, "allow"), "POST, GET");
}

TEST_F(RestApiTest, PagingThroughLogsHasNoGapsOrRepeats) {
  storePunches(10'000);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    std::map<std::string, std::string> query{{"limit", "1000"}};
    if (!cursor.empty()) {
      query["cursor"] = cursor;
    }
    const auto response = call("GET", "/v1/logs", acme_key_, "", query);
    ASSERT_EQ(response.status, 200) << response.body.dump();
    ++pages;
    for (const auto& item : response.body["data"]) {
      EXPECT_TRUE(seen.insert(item["event_id"].get<std::string>()).second) << "repeat";
    }
    if (!response.body["has_more"].get<bool>()) {
      EXPECT_TRUE(response.body["next_cursor"].is_null());
      break;
    }
    cursor = response.body["next_cursor"].get<std::string>();
    storePunches(1);  // new punches while paging land at the end, never inside a page
  }
  EXPECT_EQ(pages, 11);
  EXPECT_EQ(seen.size(), 10'010U);  // 10,000 + the ones added between pages, all of them
}

// Stored as validated, a punch without a method or with keys the contract does not know is
// served with method "Other" and without those keys.
TEST_F(RestApiTest, ALogItemShowsOnlyWhatWasValidated) {
  const std::string local_time = testing::nthLocalTime(0);
  const json punch{{"event_id", testing::punchEventId("SN1", "EMP_009", local_time)},
                   {"device_serial", "SN1"},
                   {"user_id", "EMP_009"},
                   {"timestamp", "2026-03-01T08:00:00Z"},
                   {"local_time", local_time},
                   {"temperature", 99.5},
                   {"note", "<img src=x onerror=alert(1)>"}};
  const auto batch = contract::decodePunchBatch(
      json{{"site_id", "plant-7"}, {"batch_id", "b"}, {"punches", json::array({punch})}}.dump(),
      "plant-7");
  ASSERT_TRUE(batch.ok());
  PunchIngest ingest = ingester();
  ASSERT_TRUE(ingest.ingest(site_, *batch, now()).ok());
  const auto response = call("GET", "/v1/logs", acme_key_, "", {{"user_id", "EMP_009"}});
  ASSERT_EQ(response.status, 200);
  ASSERT_EQ(response.body["data"].size(), 1U) << response.body.dump();
  const auto& item = response.body["data"][0];
  EXPECT_EQ(item["method"], "Other");
  EXPECT_FALSE(item.contains("temperature")) << item.dump();
  EXPECT_EQ(response.body.dump().find("onerror"), std::string::npos);
}

TEST_F(RestApiTest, LogFiltersAndItemShape) {
  storePunches(120);
  auto response =
      call("GET", "/v1/logs", acme_key_, "",
           {{"user_id", "EMP_001"}, {"start_date", "2026-03-02"}, {"end_date", "2026-03-02"}});
  ASSERT_EQ(response.status, 200);
  ASSERT_EQ(response.body["data"].size(), 30U);  // day 2 holds punches 60..119, half EMP_001
  const auto& item = response.body["data"][0];
  EXPECT_EQ(item["user_id"], "EMP_001");
  EXPECT_EQ(item["punch_type"], "CheckIn");
  EXPECT_EQ(item["method"], "Fingerprint");
  EXPECT_EQ(item["device_id"], "SN1");
  EXPECT_EQ(item["timestamp"].get<std::string>().substr(0, 10), "2026-03-02");
  response = call("GET", "/v1/logs", acme_key_, "",
                  {{"start_date", "2026-03-01T08:10:00Z"}, {"end_date", "2026-03-01T08:20:00Z"}});
  EXPECT_EQ(response.body["data"].size(), 10U);
}

TEST_F(RestApiTest, ValidationErrorsNameTheField) {
  const std::pair<std::map<std::string, std::string>, std::string> cases[] = {
      {{{"limit", "0"}}, "limit"},
      {{{"limit", "1001"}}, "limit"},
      {{{"limit", "ten"}}, "limit"},
      {{{"start_date", "March"}}, "start_date"},
      {{{"end_date", "2026-13-01"}}, "end_date"},
      {{{"cursor", "cur_!!"}}, "cursor"},
  };
  for (const auto& [query, field] : cases) {
    const auto response = call("GET", "/v1/logs", acme_key_, "", query);
    EXPECT_EQ(response.status, 400) << field;
    EXPECT_EQ(response.body["field"], field);
    EXPECT_EQ(response.body["code"], "invalid_input");
  }
  auto response = call("POST", "/v1/devices", acme_key_, "not json");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body["field"], "body");
  response = call("POST", "/v1/devices", acme_key_, R"({"name":"x"})");
  EXPECT_EQ(response.body["field"], "serial_number");
  response = call("POST", "/v1/devices", acme_key_, R"({"serial_number":"A","name":42})");
  EXPECT_EQ(response.body["field"], "name");
}

TEST_F(RestApiTest, DeviceLifecycleAndTenantIsolation) {
  auto response = call("POST", "/v1/devices", acme_key_,
                       R"({"serial_number":"AKJD193840129","name":"Main Office Entrance",)"
                       R"("location":"Building A, Floor 1"})");
  ASSERT_EQ(response.status, 201) << response.body.dump();
  EXPECT_EQ(response.body["serial_number"], "AKJD193840129");
  EXPECT_EQ(response.body["status"], "offline");
  EXPECT_EQ(call("POST", "/v1/devices", acme_key_, R"({"serial_number":"AKJD193840129"})").status,
            409);

  reportStatus("AKJD193840129",
               R"({"serial":"AKJD193840129","online":true,"users":243,"logs":15847,)"
               R"("storage_percent":34,"firmware":"Ver 6.60"})");
  response = call("GET", "/v1/devices/AKJD193840129", acme_key_);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body["status"], "online");
  EXPECT_EQ(response.body["users"], 243);
  EXPECT_EQ(response.body["logs"], 15847);
  EXPECT_EQ(response.body["storage"], "34%");
  EXPECT_FALSE(response.body["last_seen"].is_null());

  // Another tenant sees nothing of it: not found, never forbidden.
  EXPECT_EQ(call("GET", "/v1/devices/AKJD193840129", globex_key_).status, 404);
  EXPECT_EQ(call("PATCH", "/v1/devices/AKJD193840129", globex_key_, R"({"name":"x"})").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/devices/AKJD193840129", globex_key_).status, 404);
  EXPECT_TRUE(call("GET", "/v1/devices", globex_key_).body["data"].empty());
  storePunches(5);
  EXPECT_TRUE(call("GET", "/v1/logs", globex_key_).body["data"].empty());

  response = call("PATCH", "/v1/devices/AKJD193840129", acme_key_, R"({"location":"Lobby"})");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body["location"], "Lobby");
  EXPECT_EQ(response.body["name"], "Main Office Entrance");
  EXPECT_EQ(response.body["site"], "plant-7");
  // A terminal that moved is released from its site, or assigned to one of the tenant's sites.
  EXPECT_EQ(call("PATCH", "/v1/devices/AKJD193840129", acme_key_, R"({"site":"office"})").status,
            400);  // no such site
  // Another tenant's site is refused in the very words used for a site that does not exist.
  ASSERT_TRUE(tenancy::createSite(store_->tenants(), globex_, "globex-hq").ok());
  const auto foreign =
      call("PATCH", "/v1/devices/AKJD193840129", acme_key_, R"({"site":"globex-hq"})");
  EXPECT_EQ(foreign.status, 400);
  const auto missing =
      call("PATCH", "/v1/devices/AKJD193840129", acme_key_, R"({"site":"globex-hx"})");
  EXPECT_EQ(foreign.body["error"].get<std::string>().find("globex-hq"),
            missing.body["error"].get<std::string>().find("globex-hx"));
  EXPECT_EQ(call("GET", "/v1/devices/AKJD193840129", acme_key_).body["site"], "plant-7");
  response = call("PATCH", "/v1/devices/AKJD193840129", acme_key_, R"({"site":null})");
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.body["site"].is_null());
  response = call("PATCH", "/v1/devices/AKJD193840129", acme_key_, R"({"site":"plant-7"})");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body["site"], "plant-7");
  EXPECT_EQ(call("GET", "/v1/devices", acme_key_).body["data"].size(), 2U);  // + pending SN1
  EXPECT_EQ(call("DELETE", "/v1/devices/AKJD193840129", acme_key_).status, 200);
  EXPECT_EQ(call("GET", "/v1/devices/AKJD193840129", acme_key_).status, 404);
}

TEST_F(RestApiTest, ASerialAnotherTenantUsesIsNeitherRevealedNorBlocked) {
  ASSERT_EQ(call("POST", "/v1/devices", acme_key_,
                 R"({"serial_number":"AKJD193840129","name":"Acme door"})")
                .status,
            201);
  // Globex registering the same serial learns nothing of Acme's (no 409) and gets its own.
  const auto squat = call("POST", "/v1/devices", globex_key_,
                          R"({"serial_number":"AKJD193840129","name":"Globex door"})");
  ASSERT_EQ(squat.status, 201) << squat.body.dump();
  EXPECT_EQ(call("GET", "/v1/devices/AKJD193840129", acme_key_).body["name"], "Acme door");
  EXPECT_EQ(call("GET", "/v1/devices/AKJD193840129", globex_key_).body["name"], "Globex door");
  EXPECT_EQ(call("DELETE", "/v1/devices/AKJD193840129", globex_key_).status, 200);
  EXPECT_EQ(call("GET", "/v1/devices/AKJD193840129", acme_key_).status, 200);
}

TEST_F(RestApiTest, AMalformedStoredStatusCostsItsDetailsNotTheList) {
  // A status kept from before statuses were checked (ingest refuses these now): a string
  // storage_percent made every GET /v1/devices of the tenant answer 500.
  reportStatus("SN-BAD", R"({"serial":"SN-BAD","online":true,"storage_percent":"31"})");
  const auto list = call("GET", "/v1/devices", acme_key_);
  ASSERT_EQ(list.status, 200) << list.body.dump();
  ASSERT_EQ(list.body["data"].size(), 1U);
  EXPECT_EQ(list.body["data"][0]["status"], "online");
  EXPECT_FALSE(list.body["data"][0].contains("storage"));
  EXPECT_EQ(call("GET", "/v1/devices/SN-BAD", acme_key_).status, 200);
}

TEST_F(RestApiTest, EnrollmentBecomesACommandToTheSite) {
  storePunches(1, "AKJD193840129");  // seen by the site's agent, so it has a site
  const std::string body =
      R"({"device_id":"AKJD193840129","user_id":"EMP_001","name":"John Doe",)"
      R"("department":"Engineering","templates":[{"type":"fingerprint","data":"AQIDBA==","index":0},)"
      R"({"type":"fingerprint","data":"BQYH","index":1}]})";
  auto response = call("POST", "/v1/users", acme_key_, body);
  ASSERT_EQ(response.status, 201) << response.body.dump();
  EXPECT_EQ(response.body["user_id"], "EMP_001");
  EXPECT_EQ(response.body["status"], "sent");
  const std::string command_id = response.body["command_id"];
  ASSERT_EQ(sender_.sent.size(), 1U);
  EXPECT_EQ(sender_.sent[0].first, "plant-7");
  const json command = json::parse(sender_.sent[0].second);
  EXPECT_EQ(command["command_id"], command_id);
  EXPECT_EQ(command["type"], "enroll_user");
  EXPECT_EQ(command["device"], "AKJD193840129");
  EXPECT_EQ(command["params"]["templates"].size(), 2U);
  EXPECT_EQ(command["params"]["templates"][1]["data"], "BQYH");

  response = call("GET", "/v1/commands/" + command_id, acme_key_);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body["status"], "sent");
  EXPECT_EQ(call("GET", "/v1/commands/" + command_id, globex_key_).status, 404);

  // The agent's result moves it on; a late duplicate cannot move it back.
  ASSERT_TRUE(
      tracker_->transition("plant-7", command_id, "succeeded", "", R"({"uid":3})", now()).ok());
  ASSERT_TRUE(tracker_->transition("plant-7", command_id, "failed", "late", "", now()).ok());
  // Another site's agent cannot finish this site's command.
  ASSERT_TRUE(tracker_->transition("other-site", command_id, "failed", "spoof", "", now()).ok());
  response = call("GET", "/v1/commands/" + command_id, acme_key_);
  EXPECT_EQ(response.body["status"], "succeeded");
  EXPECT_EQ(response.body["result"]["uid"], 3);

  response = call("GET", "/v1/users/EMP_001", acme_key_);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body["name"], "John Doe");
  EXPECT_EQ(response.body["department"], "Engineering");
  EXPECT_EQ(response.body["templates"], 2);
  ASSERT_EQ(response.body["commands"].size(), 1U);
  EXPECT_EQ(response.body["commands"][0]["status"], "succeeded");
  EXPECT_EQ(call("GET", "/v1/users/EMP_001", globex_key_).status, 404);
}

TEST_F(RestApiTest, EnrollmentValidation) {
  storePunches(1, "SN-SITE");
  ASSERT_EQ(call("POST", "/v1/devices", acme_key_, R"({"serial_number":"SN-NOSITE"})").status, 201);
  const std::pair<std::string, std::string> cases[] = {
      {R"({"user_id":"E1"})", "device_id"},
      {R"({"device_id":"SN-SITE"})", "user_id"},
      {R"({"device_id":"SN-SITE","user_id":"0"})", "user_id"},
      {R"({"device_id":"SN-SITE","user_id":"E1","name":"A name that is far too long for it"})",
       "name"},
      {R"({"device_id":"SN-SITE","user_id":"E1","privilege":3})", "privilege"},
      {R"({"device_id":"SN-SITE","user_id":"E1","card":-1})", "card"},
      {R"({"device_id":"SN-SITE","user_id":"E1","templates":[{"data":"!!","index":0}]})",
       "templates[0].data"},
      {R"({"device_id":"SN-SITE","user_id":"E1","templates":[{"data":"AQID","index":0},)"
       R"({"data":"AQID","index":0}]})",
       "templates[1].index"},
      {R"({"device_id":"SN-SITE","user_id":"E1","templates":[{"type":"face","data":"AQID","index":0}]})",
       "templates[0].type"},
  };
  for (const auto& [body, field] : cases) {
    const auto response = call("POST", "/v1/users", acme_key_, body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(response.body["field"], field) << body << " → " << response.body.dump();
  }
  EXPECT_EQ(
      call("POST", "/v1/users", acme_key_, R"({"device_id":"SN-NONE","user_id":"E1"})").status,
      404);
  EXPECT_EQ(
      call("POST", "/v1/users", globex_key_, R"({"device_id":"SN-SITE","user_id":"E1"})").status,
      404);  // another tenant's device
  const auto no_site =
      call("POST", "/v1/users", acme_key_, R"({"device_id":"SN-NOSITE","user_id":"E1"})");
  EXPECT_EQ(no_site.status, 409);
  EXPECT_NE(no_site.body["error"].get<std::string>().find("not been seen by an agent"),
            std::string::npos);
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(RestApiTest, RateLimitPerKeyWithHeadersOnEveryResponse) {
  makeRouter(5);
  clock_.setWall(std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'040}});
  for (int i = 1; i <= 5; ++i) {
    const auto response = call("GET", "/v1/devices", acme_key_);
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(header(response, "x-ratelimit-limit"), "5");
    EXPECT_EQ(header(response, "x-ratelimit-remaining"), std::to_string(5 - i));
    EXPECT_EQ(header(response, "x-ratelimit-reset"), "20");  // window ends at :00
  }
  auto limited = call("GET", "/v1/devices", acme_key_);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body["code"], "rate_limited");
  EXPECT_EQ(header(limited, "retry-after"), "20");
  EXPECT_EQ(header(limited, "x-ratelimit-remaining"), "0");
  // Errors count and carry the headers too; other keys have their own budget.
  EXPECT_EQ(call("GET", "/v1/devices", globex_key_).status, 200);
  clock_.advance(std::chrono::seconds{20});  // the next window
  EXPECT_EQ(call("GET", "/v1/devices", acme_key_).status, 200);
}

TEST_F(RestApiTest, IdempotencyKeysReplayTheFirstResponse) {
  storePunches(1, "AKJD193840129");
  const std::string body = R"({"device_id":"AKJD193840129","user_id":"EMP_009","name":"Ida"})";
  const std::map<std::string, std::string> key{{"idempotency-key", "req-42"}};
  const auto first = call("POST", "/v1/users", acme_key_, body, {}, key);
  ASSERT_EQ(first.status, 201);
  const auto retry = call("POST", "/v1/users", acme_key_, body, {}, key);
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.body, first.body);  // same command id: nothing ran twice
  EXPECT_EQ(sender_.sent.size(), 1U);
  EXPECT_EQ(header(retry, "idempotent-replayed"), "true");
  const auto reused = call("POST", "/v1/users", acme_key_,
                           R"({"device_id":"AKJD193840129","user_id":"EMP_010"})", {}, key);
  EXPECT_EQ(reused.status, 409);
  EXPECT_EQ(reused.body["code"], "idempotency_key_reused");
  // Keys belong to one API key; after 24 h they are forgotten.
  EXPECT_EQ(call("POST", "/v1/devices", globex_key_, R"({"serial_number":"G1"})", {}, key).status,
            201);
  clock_.advance(std::chrono::hours{25});
  EXPECT_EQ(call("POST", "/v1/users", acme_key_,
                 R"({"device_id":"AKJD193840129","user_id":"EMP_010"})", {}, key)
                .status,
            201);
  // Errors are replayed as well (a 4xx is the answer to that request), GETs ignore the header.
  const std::map<std::string, std::string> other{{"idempotency-key", "req-43"}};
  EXPECT_EQ(call("POST", "/v1/users", acme_key_, R"({"user_id":"x"})", {}, other).status, 400);
  EXPECT_EQ(call("POST", "/v1/users", acme_key_, R"({"user_id":"x"})", {}, other).status, 400);
  EXPECT_EQ(call("GET", "/v1/devices", acme_key_, "", {}, other).status, 200);
}

TEST_F(RestApiTest, AFinishedCommandKeepsNoCredentials) {
  storePunches(1, "AKJD193840129");
  const auto payloadOf = [&](const std::string& id) {
    return store_->commands().findCommand(acme_, id).value().value().payload;
  };
  std::vector<std::string> ids;
  for (const char* user : {"EMP_1", "EMP_2"}) {
    const auto response =
        call("POST", "/v1/users", acme_key_,
             std::string(R"({"device_id":"AKJD193840129","user_id":")") + user +
                 R"(","name":"N","password":"4711","card":987654,)"
                 R"("templates":[{"type":"fingerprint","data":"U0VDUkVU","index":0}]})");
    ASSERT_EQ(response.status, 201) << response.body.dump();
    ids.push_back(response.body["command_id"]);
    // Until it has finished it may be sent again, so it keeps everything.
    EXPECT_NE(payloadOf(ids.back()).find("U0VDUkVU"), std::string::npos);
  }
  ASSERT_TRUE(tracker_->transition("plant-7", ids[0], "succeeded", "", "", now()).ok());
  ASSERT_TRUE(tracker_->transition("plant-7", ids[1], "failed", "table full", "", now()).ok());
  for (const auto& id : ids) {
    const std::string payload = payloadOf(id);
    for (const char* secret : {"U0VDUkVU", "4711", "987654"}) {
      EXPECT_EQ(payload.find(secret), std::string::npos) << secret << " in " << payload;
    }
    EXPECT_NE(payload.find("enroll_user"), std::string::npos);  // what it was stays
  }
}

TEST_F(RestApiTest, AnIdempotencyKeyCoversTheQueryString) {
  storePunches(1, "AKJD193840129");
  ASSERT_EQ(call("POST", "/v1/users", acme_key_,
                 R"({"device_id":"AKJD193840129","user_id":"EMP_1","name":"A"})")
                .status,
            201);
  const std::map<std::string, std::string> key{{"idempotency-key", "del-1"}};
  const auto first =
      call("DELETE", "/v1/users/EMP_1", acme_key_, "", {{"device_id", "AKJD193840129"}}, key);
  ASSERT_LT(first.status, 500);
  // The same key on the same path with other parameters is another request, not a replay.
  const auto other =
      call("DELETE", "/v1/users/EMP_1", acme_key_, "", {{"device_id", "OTHER"}}, key);
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(other.body["code"], "idempotency_key_reused");
}

TEST_F(RestApiTest, WebhookSecretsAreShownOnceAndNeverStoredForReplays) {
  options_.webhooks.url_policy = {true, true};
  makeRouter();
  const std::map<std::string, std::string> key{{"idempotency-key", "hook-1"}};
  const std::string body = R"({"url":"http://127.0.0.1:9/hook","events":["attendance.punch"]})";
  const auto created = call("POST", "/v1/webhooks", acme_key_, body, {}, key);
  ASSERT_EQ(created.status, 201) << created.body.dump();
  const std::string secret = created.body["secret"];
  ASSERT_FALSE(secret.empty());
  const auto replay = call("POST", "/v1/webhooks", acme_key_, body, {}, key);
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(header(replay, "idempotent-replayed"), "true");
  EXPECT_EQ(replay.body["id"], created.body["id"]);
  EXPECT_FALSE(replay.body.contains("secret"));
  const std::string id = created.body["id"];
  const std::map<std::string, std::string> rotate_key{{"idempotency-key", "rot-1"}};
  const auto rotated =
      call("POST", "/v1/webhooks/" + id + "/rotate-secret", acme_key_, "{}", {}, rotate_key);
  ASSERT_EQ(rotated.status, 200) << rotated.body.dump();
  const std::string new_secret = rotated.body["secret"];
  EXPECT_FALSE(
      call("POST", "/v1/webhooks/" + id + "/rotate-secret", acme_key_, "{}", {}, rotate_key)
          .body.contains("secret"));
  // Neither secret is anywhere in the stored replays.
  auto db = sql::open(storage_.location()).value();
  auto rows = db->prepare("SELECT response FROM idempotency_keys").value();
  int stored = 0;
  while (rows.step().valueOr(false)) {
    ++stored;
    EXPECT_EQ(rows.text(0).find(secret), std::string::npos);
    EXPECT_EQ(rows.text(0).find(new_secret), std::string::npos);
  }
  EXPECT_EQ(stored, 2);
}

TEST_F(RestApiTest, TestKeysCannotChangeTerminals) {
  options_.webhooks.url_policy = {true, true};
  makeRouter();
  const std::string test_key =
      tenancy::createApiKey(store_->tenants(), store_->apiKeys(), acme_, false, "", now(), 10)
          .value()
          .secret;
  storePunches(1, "AKJD193840129");
  const std::string enroll = R"({"device_id":"AKJD193840129","user_id":"EMP_7","name":"T"})";
  for (const auto& [method, path, body] :
       {std::tuple<std::string, std::string, std::string>{"POST", "/v1/users", enroll},
        {"POST", "/v1/users/batch", R"({"users":[{"device_id":"AKJD193840129","user_id":"1"}]})"},
        {"PUT", "/v1/users/EMP_7", R"({"device_id":"AKJD193840129","name":"U"})"},
        {"DELETE", "/v1/users/EMP_7?device_id=AKJD193840129", ""},
        // Where a terminal's commands go is a terminal change too.
        {"PATCH", "/v1/devices/AKJD193840129", R"({"site":null})"},
        {"POST", "/v1/devices/AKJD193840129/commands", R"({"type":"unlock"})"},
        {"DELETE", "/v1/devices/AKJD193840129", ""}}) {
    const auto refused = call(method, path, test_key, body);
    EXPECT_EQ(refused.status, 403) << method << " " << path;
    EXPECT_EQ(refused.body["code"], "live_key_required");
  }
  EXPECT_TRUE(sender_.sent.empty());
  // Everything else works: reads, devices, webhooks.
  EXPECT_EQ(call("GET", "/v1/users", test_key).status, 200);
  EXPECT_EQ(call("GET", "/v1/logs", test_key).status, 200);
  EXPECT_EQ(call("POST", "/v1/webhooks", test_key,
                 R"({"url":"http://127.0.0.1:9/t","events":["attendance.punch"]})")
                .status,
            201);
  EXPECT_EQ(call("POST", "/v1/users", acme_key_, enroll).status, 201);
}

TEST_F(RestApiTest, ATenantsWebhookEndpointsAreCapped) {
  options_.webhooks.url_policy = {true, true};
  options_.webhooks.max_endpoints = 3;
  makeRouter();
  const std::string body = R"({"url":"http://127.0.0.1:9/hook","events":["attendance.punch"]})";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(call("POST", "/v1/webhooks", acme_key_, body).status, 201);
  }
  const auto refused = call("POST", "/v1/webhooks", acme_key_, body);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.body["code"], "limit_reached");
  EXPECT_NE(refused.body["error"].get<std::string>().find("limits.webhook_endpoints_per_tenant"),
            std::string::npos);
  // Another tenant has its own allowance.
  EXPECT_EQ(call("POST", "/v1/webhooks", globex_key_, body).status, 201);
}

TEST_F(RestApiTest, AStoredPunchKeepsEachFieldOnceAndOlderRowsReadTheSame) {
  const std::string local_time = testing::nthLocalTime(next_id_++);
  const json punch = {{"event_id", testing::punchEventId("SN1", "EMP_9", local_time)},
                      {"device_serial", "SN1"},
                      {"device_name", "lobby"},
                      {"user_id", "EMP_9"},
                      {"timestamp", "2026-03-27T08:30:12Z"},
                      {"local_time", local_time},
                      {"state", 1},
                      {"verify", 15},
                      {"punch_type", "CheckOut"},
                      {"method", "Face"},
                      {"temperature", 36.5},
                      {"mask_detected", true}};
  const auto batch = contract::decodePunchBatch(
      json{{"site_id", "plant-7"}, {"batch_id", "b"}, {"punches", json::array({punch})}}.dump(),
      "plant-7");
  ASSERT_TRUE(batch.ok());
  PunchIngest ingest = ingester();
  ASSERT_TRUE(ingest.ingest(site_, *batch, now()).ok());
  const auto before = call("GET", "/v1/logs", acme_key_);
  ASSERT_EQ(before.status, 200);
  ASSERT_EQ(before.body["data"].size(), 1U);
  const json item = before.body["data"][0];
  EXPECT_EQ(item["event_id"], punch["event_id"]);
  EXPECT_EQ(item["user_id"], "EMP_9");
  EXPECT_EQ(item["punch_type"], "CheckOut");
  EXPECT_EQ(item["method"], "Face");
  EXPECT_EQ(item["device_id"], "SN1");
  EXPECT_EQ(item["local_time"], local_time);
  EXPECT_EQ(item["state"], 1);
  EXPECT_EQ(item["verify"], 15);
  EXPECT_EQ(item["temperature"], 36.5);
  EXPECT_EQ(item["mask_detected"], true);

  // The row's details leave out what its columns hold.
  auto db = sql::open(storage_.location()).value();
  json details;
  {
    auto rows = db->prepare("SELECT payload FROM punches").value();
    ASSERT_TRUE(rows.step().valueOr(false));
    details = json::parse(rows.text(0));
  }
  for (const char* column : {"event_id", "device_serial", "user_id", "timestamp", "local_time",
                             "punch_type", "method"}) {
    EXPECT_FALSE(details.contains(column)) << column << " is stored twice: " << details.dump();
  }
  EXPECT_EQ(details["device_name"], "lobby");
  EXPECT_EQ(details["temperature"], 36.5);

  // A row as an older relay wrote it (the whole punch, no local_time column) reads the same.
  ASSERT_TRUE(db->run("UPDATE punches SET payload = ?, local_time = NULL",
                      contract::encodePunch(batch->punches[0].punch))
                  .ok());
  const auto after = call("GET", "/v1/logs", acme_key_);
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.body["data"][0].dump(), before.body["data"][0].dump());
}

TEST_F(RestApiTest, BatchedDeliveryIsChosenPerEndpointWithinItsBound) {
  options_.webhooks.url_policy = {true, true};
  makeRouter();
  const auto plain = call("POST", "/v1/webhooks", acme_key_, R"({"url":"http://127.0.0.1:9/a"})");
  ASSERT_EQ(plain.status, 201);
  EXPECT_EQ(plain.body["max_events_per_request"], 1);  // one event per request unless asked
  const auto batched = call("POST", "/v1/webhooks", acme_key_,
                            R"({"url":"http://127.0.0.1:9/b","max_events_per_request":50})");
  ASSERT_EQ(batched.status, 201) << batched.body.dump();
  EXPECT_EQ(batched.body["max_events_per_request"], 50);
  const std::string id = batched.body["id"];
  EXPECT_EQ(call("GET", "/v1/webhooks/" + id, acme_key_).body["max_events_per_request"], 50);
  const auto back =
      call("PATCH", "/v1/webhooks/" + id, acme_key_, R"({"max_events_per_request":1})");
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(back.body["max_events_per_request"], 1);
  // A PATCH without it keeps it.
  ASSERT_EQ(
      call("PATCH", "/v1/webhooks/" + id, acme_key_, R"({"max_events_per_request":7})").status,
      200);
  EXPECT_EQ(call("PATCH", "/v1/webhooks/" + id, acme_key_, R"({"description":"x"})")
                .body["max_events_per_request"],
            7);
  const std::string too_many = std::to_string(webhooks::kMaxEventsPerRequest + 1);
  for (const std::string value :
       {"0", "-1", too_many.c_str(), "2.5", "\"10\"", "true", "18446744073709551616", "[]"}) {
    for (const auto& [method, path] : {std::pair<std::string, std::string>{"POST", "/v1/webhooks"},
                                       {"PATCH", "/v1/webhooks/" + id}}) {
      const auto refused =
          call(method, path, acme_key_,
               R"({"url":"http://127.0.0.1:9/c","max_events_per_request":)" + value + "}");
      EXPECT_EQ(refused.status, 400) << method << " " << value;
      EXPECT_EQ(refused.body["field"], "max_events_per_request") << refused.body.dump();
    }
  }
  EXPECT_EQ(call("GET", "/v1/webhooks/" + id, acme_key_).body["max_events_per_request"], 7);
  // The OpenAPI document states the same bound as the API enforces.
  const json schema = json::parse(openApiDocument())["components"]["schemas"];
  for (const char* name : {"Endpoint", "EndpointCreate", "EndpointUpdate"}) {
    const json& field = schema[name]["properties"]["max_events_per_request"];
    EXPECT_EQ(field["minimum"], 1) << name;
    EXPECT_EQ(field["maximum"], webhooks::kMaxEventsPerRequest) << name;
  }
}

TEST_F(RestApiTest, UsersListUpdateDeleteAndBatch) {
  storePunches(1, "DOOR-A");
  storePunches(1, "DOOR-B");
  ASSERT_EQ(
      call("POST", "/v1/users", acme_key_, R"({"device_id":"DOOR-A","user_id":"U1","name":"Ann"})")
          .status,
      201);
  ASSERT_EQ(
      call("POST", "/v1/users", acme_key_, R"({"device_id":"DOOR-B","user_id":"U1","name":"Ann"})")
          .status,
      201);
  // Batch: per-user results, the bad ones named, the good ones enrolled.
  json users = json::array();
  for (int i = 0; i < 50; ++i) {
    users.push_back({{"user_id", "B" + std::to_string(i)}, {"name", "Batch " + std::to_string(i)}});
  }
  users[7]["user_id"] = "0";
  users[9]["templates"] = json::array({{{"index", 0}, {"data", "!!"}}});
  auto response = call("POST", "/v1/users/batch", acme_key_,
                       json{{"device_id", "DOOR-A"}, {"users", users}}.dump());
  ASSERT_EQ(response.status, 200) << response.body.dump();
  EXPECT_EQ(response.body["created"], 48);
  EXPECT_EQ(response.body["failed"], 2);
  EXPECT_EQ(response.body["results"][7]["status"], 400);
  EXPECT_EQ(response.body["results"][7]["field"], "users[7].user_id");
  EXPECT_EQ(response.body["results"][9]["field"], "users[9].templates[0].data");
  EXPECT_EQ(response.body["results"][10]["status"], 201);
  EXPECT_TRUE(response.body["results"][10].contains("command_id"));
  EXPECT_EQ(call("POST", "/v1/users/batch", acme_key_, R"({"device_id":"DOOR-A","users":[]})")
                .body["field"],
            "users");

  // List with keyset paging by user_id.
  response = call("GET", "/v1/users", acme_key_, "", {{"limit", "20"}});
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body["data"].size(), 20U);
  EXPECT_TRUE(response.body["has_more"].get<bool>());
  std::size_t total = response.body["data"].size();
  std::string cursor = response.body["next_cursor"];
  while (!cursor.empty()) {
    response = call("GET", "/v1/users", acme_key_, "", {{"limit", "20"}, {"cursor", cursor}});
    total += response.body["data"].size();
    cursor = response.body["has_more"].get<bool>() ? response.body["next_cursor"].get<std::string>()
                                                   : "";
  }
  EXPECT_EQ(total, 49U);  // U1 + 48 batch users
  EXPECT_TRUE(call("GET", "/v1/users", globex_key_).body["data"].empty());

  // Update propagates to both devices U1 is on.
  sender_.sent.clear();
  response = call("PUT", "/v1/users/U1", acme_key_, R"({"name":"Ann B.","department":"Ops"})");
  ASSERT_EQ(response.status, 200) << response.body.dump();
  EXPECT_EQ(response.body["commands"].size(), 2U);
  ASSERT_EQ(sender_.sent.size(), 2U);
  EXPECT_EQ(json::parse(sender_.sent[0].second)["type"], "update_user");
  EXPECT_EQ(json::parse(sender_.sent[0].second)["params"]["name"], "Ann B.");
  EXPECT_EQ(call("GET", "/v1/users/U1", acme_key_).body["department"], "Ops");
  EXPECT_EQ(call("PUT", "/v1/users/NOPE", acme_key_, "{}").status, 404);

  // Delete from one device, then from all.
  sender_.sent.clear();
  response = call("DELETE", "/v1/users/U1", acme_key_, "", {{"device_id", "DOOR-B"}});
  ASSERT_EQ(response.status, 200);
  ASSERT_EQ(response.body["commands"].size(), 1U);
  EXPECT_EQ(response.body["commands"][0]["device_id"], "DOOR-B");
  EXPECT_EQ(call("GET", "/v1/users/U1", acme_key_).status, 200);  // still on DOOR-A
  response = call("DELETE", "/v1/users/U1", acme_key_);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body["commands"].size(), 2U);  // DOOR-B's delete has not succeeded yet
  EXPECT_EQ(call("GET", "/v1/users/U1", acme_key_).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/users/U1", acme_key_).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/users/B0", acme_key_, "", {{"device_id", "NO-SUCH"}}).status, 404);
}

TEST_F(RestApiTest, OpenApiDocumentDescribesExactlyTheRoutes) {
  const auto served = call("GET", "/v1/openapi.json");
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(header(served, "content-type"), "application/json");
  const json document = json::parse(openApiDocument());
  EXPECT_EQ(json(served.body), document);
  EXPECT_EQ(document["openapi"], "3.1.0");
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, operations] : document["paths"].items()) {
    for (const auto& [method, operation] : operations.items()) {
      if (method == "parameters") {
        continue;
      }
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      documented.emplace(upper, path);
      EXPECT_TRUE(operation.contains("responses")) << method << " " << path;
    }
  }
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& route : router_.routes()) {
    routed.insert(route);
  }
  EXPECT_EQ(documented, routed);
}

TEST_F(RestApiTest, MetricsAreServedAsPrometheusText) {
  const auto reply = testing::httpRequest({http_port_, {}}, "GET", "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(reply.body, "punchlink_relay_up 1\n");
}

TEST_F(RestApiTest, DeeplyNestedBodiesAreRefusedAndTheRelayStaysUp) {
  // 120 KB, 60,000 levels deep: once enough to crash the relay for every tenant.
  const std::string deep = std::string(60'000, '[') + std::string(60'000, ']');
  for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/users/batch",
            R"({"device_id":"SN1","users":[{"user_id":)" + deep + R"(,"name":"x"}]})"},
           {"/v1/users", R"({"device_id":"SN1","user_id":)" + deep + "}"},
           {"/v1/devices", R"({"serial_number":"SN1","name":)" + deep + "}"},
           {"/v1/webhooks", R"({"url":"https://x.example/","events":)" + deep + "}"}}) {
    const auto response = call("POST", path, acme_key_, body);
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(response.body["field"], "body") << path;
    EXPECT_NE(response.body["error"].get<std::string>().find("nested deeper than 32"),
              std::string::npos)
        << response.body.dump();
  }
  EXPECT_EQ(call("GET", "/v1/devices", acme_key_).status, 200);  // still serving
}

TEST_F(RestApiTest, DeviceCommandsGoToTheTerminalsSiteAndAreListed) {
  storePunches(1, "DOOR-1");  // seen by plant-7's agent
  auto response =
      call("POST", "/v1/devices/DOOR-1/commands", acme_key_, R"({"type":"unlock","seconds":3})");
  ASSERT_EQ(response.status, 202) << response.body.dump();
  EXPECT_EQ(response.body["type"], "unlock");
  EXPECT_EQ(response.body["device_id"], "DOOR-1");
  EXPECT_EQ(response.body["status"], "sent");
  const std::string unlock_id = response.body["id"];
  clock_.advance(1s);  // pages are ordered by creation time (to the second), then id
  ASSERT_EQ(sender_.sent.size(), 1U);
  EXPECT_EQ(sender_.sent[0].first, "plant-7");
  const auto sent = contract::decodeCommand(sender_.sent[0].second).value();
  EXPECT_EQ(sent.type, contract::CommandType::Unlock);
  EXPECT_EQ(sent.unlock_for, 3s);
  EXPECT_EQ(sent.device, "DOOR-1");
  ASSERT_TRUE(sent.expires_at.has_value());  // the agent drops it after a day, as the relay does
  EXPECT_NEAR(
      static_cast<double>(
          (*sent.expires_at - std::chrono::floor<std::chrono::seconds>(clock_.now())).count()),
      86'400.0, 2.0);

  // read_log takes dates in the terminal's zone; the agent gets UTC bounds of whole days.
  reportStatus("DOOR-1", R"({"serial":"DOOR-1","online":true,"time_zone":"Europe/Berlin"})");
  response = call("POST", "/v1/devices/DOOR-1/commands", acme_key_,
                  R"({"type":"read_log","start_date":"2026-03-01","end_date":"2026-03-02"})");
  ASSERT_EQ(response.status, 202) << response.body.dump();
  const auto read = contract::decodeCommand(sender_.sent.back().second).value();
  EXPECT_EQ(formatRfc3339(*read.from), "2026-02-28T23:00:00Z");
  EXPECT_EQ(formatRfc3339(*read.to), "2026-03-02T22:59:59Z");
  for (const char* body : {R"({"type":"restart"})", R"({"type":"set_time"})",
                           R"({"type":"set_time","time":"2026-03-27T08:30:00Z"})",
                           R"({"type":"sync_time","policy":"auto","threshold_s":30})"}) {
    EXPECT_EQ(call("POST", "/v1/devices/DOOR-1/commands", acme_key_, body).status, 202) << body;
    clock_.advance(1s);
  }
  const auto policy = contract::decodeCommand(sender_.sent.back().second).value();
  EXPECT_EQ(policy.clock_policy, contract::ClockPolicy::Auto);
  EXPECT_EQ(policy.clock_threshold, 30s);

  // Newest first, paged; each page continues where the last stopped.
  std::vector<std::string> ids;
  std::map<std::string, std::string> query{{"limit", "2"}};
  for (int page = 0; page < 5; ++page) {
    response = call("GET", "/v1/devices/DOOR-1/commands", acme_key_, "", query);
    ASSERT_EQ(response.status, 200) << response.body.dump();
    for (const auto& item : response.body["data"]) {
      ids.push_back(item["id"]);
    }
    if (!response.body["has_more"].get<bool>()) {
      break;
    }
    query["cursor"] = response.body["next_cursor"];
  }
  ASSERT_EQ(ids.size(), 6U);
  EXPECT_EQ(ids.back(), unlock_id);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 6U);
  EXPECT_EQ(call("GET", "/v1/commands/" + unlock_id, acme_key_).body["type"], "unlock");

  // Another tenant neither sends to nor sees the terminal.
  EXPECT_EQ(call("POST", "/v1/devices/DOOR-1/commands", globex_key_, R"({"type":"unlock"})").status,
            404);
  EXPECT_EQ(call("GET", "/v1/devices/DOOR-1/commands", globex_key_).status, 404);
  EXPECT_EQ(call("GET", "/v1/commands/" + unlock_id, globex_key_).status, 404);
}

TEST_F(RestApiTest, DeviceCommandParametersAreChecked) {
  storePunches(1, "DOOR-1");
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"type":"enroll_user"})", "type"},
           {R"({"type":"format_disk"})", "type"},
           {R"({})", "type"},
           {R"({"type":"unlock","seconds":0})", "seconds"},
           {R"({"type":"unlock","seconds":61})", "seconds"},
           {R"({"type":"unlock","secs":5})", "secs"},
           {R"({"type":"set_time","time":"yesterday"})", "time"},
           {R"({"type":"set_time","time":"1999-12-31T23:59:59Z"})", "time"},
           {R"({"type":"sync_time"})", "policy"},
           {R"({"type":"sync_time","policy":"sometimes"})", "policy"},
           {R"({"type":"sync_time","policy":"auto","threshold_s":0})", "threshold_s"},
           {R"({"type":"read_log","start_date":"2026-03-02"})", "end_date"},
           {R"({"type":"read_log","start_date":"2026-03-02","end_date":"2026-03-01"})", "end_date"},
           {R"({"type":"read_log","start_date":"2024-01-01","end_date":"2026-03-01"})", "end_date"},
           {R"({"type":"read_log","start_date":"03/01/2026","end_date":"2026-03-01"})",
            "start_date"},
           {R"({"type":"clear_attendance"})", "confirm"},
           {R"({"type":"clear_attendance","confirm":"yes"})", "confirm"},
       }) {
    const auto response = call("POST", "/v1/devices/DOOR-1/commands", acme_key_, body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(response.body["field"], field) << body << " " << response.body.dump();
  }
  EXPECT_TRUE(sender_.sent.empty());
  // A terminal no agent has reported has no site to send to.
  ASSERT_EQ(call("POST", "/v1/devices", acme_key_, R"({"serial_number":"NEW-1"})").status, 201);
  EXPECT_EQ(call("POST", "/v1/devices/NEW-1/commands", acme_key_, R"({"type":"unlock"})").status,
            409);
}

TEST_F(RestApiTest, ClearAttendanceWaitsUntilTheRelayHoldsEveryRecord) {
  StatusIngest statuses(StatusIngestParts{store_->unitOfWork(), store_->tenants(),
                                          store_->sightings(), store_->punches(),
                                          store_->deviceEvents(), store_->outbox()});
  const auto report = [&](int records) {
    contract::DeviceStatus status;
    status.serial = "DOOR-1";
    status.online = true;
    status.logs = records;
    status.log_oldest = testing::nthLocalTime(0);
    status.log_newest = testing::nthLocalTime(records - 1);
    status.log_checked_at = formatRfc3339(std::chrono::floor<std::chrono::seconds>(clock_.now()));
    ASSERT_TRUE(statuses.recordDeviceStatus(site_, status, now()).ok());
  };
  const std::string clear = R"({"type":"clear_attendance","confirm":true})";
  storePunches(1, "DOOR-1");
  // No count from the terminal yet: nothing shows the relay has everything.
  auto refused = call("POST", "/v1/devices/DOOR-1/commands", acme_key_, clear);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.body["code"], "records_missing");
  report(3);  // the terminal holds 3, the relay 1
  auto device = call("GET", "/v1/devices/DOOR-1", acme_key_);
  EXPECT_EQ(device.body["reconciliation"]["terminal_records"], 3);
  EXPECT_EQ(device.body["reconciliation"]["relay_records"], 1);
  EXPECT_EQ(device.body["reconciliation"]["missing"], 2);
  refused = call("POST", "/v1/devices/DOOR-1/commands", acme_key_, clear);
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body["error"].get<std::string>().find("lacks 2"), std::string::npos)
      << refused.body.dump();
  EXPECT_NE(refused.body["error"].get<std::string>().find("read_log"), std::string::npos);
  // The missing two arrive (read_log): counted afresh, the clear goes.
  next_id_ = 0;
  storePunches(3, "DOOR-1");
  const auto sent = call("POST", "/v1/devices/DOOR-1/commands", acme_key_, clear);
  EXPECT_EQ(sent.status, 202) << sent.body.dump();
  // A comparison older than the limit is not enough.
  clock_.advance(std::chrono::minutes{16});
  EXPECT_EQ(call("POST", "/v1/devices/DOOR-1/commands", acme_key_, clear).status, 409);
}

// What an agent reports cannot open the way to a clear: an agent that does not say when it read
// the log (before log spans), or one whose clock runs ahead and keeps a comparison fresh.
TEST_F(RestApiTest, ClearAttendanceTrustsNoCountItCannotDate) {
  StatusIngest statuses(StatusIngestParts{store_->unitOfWork(), store_->tenants(),
                                          store_->sightings(), store_->punches(),
                                          store_->deviceEvents(), store_->outbox()});
  const std::string clear = R"({"type":"clear_attendance","confirm":true})";
  next_id_ = 0;
  storePunches(3, "DOOR-1");
  contract::DeviceStatus status;
  status.serial = "DOOR-1";
  status.online = true;
  status.logs = 3;
  ASSERT_TRUE(statuses.recordDeviceStatus(site_, status, now()).ok());
  auto refused = call("POST", "/v1/devices/DOOR-1/commands", acme_key_, clear);
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body["error"].get<std::string>().find("upgrade punchlink-agent"),
            std::string::npos)
      << refused.body.dump();

  status.log_oldest = testing::nthLocalTime(0);
  status.log_newest = testing::nthLocalTime(2);
  status.log_checked_at = formatRfc3339(std::chrono::floor<std::chrono::seconds>(clock_.now()) +
                                        std::chrono::hours{24});
  ASSERT_TRUE(statuses.recordDeviceStatus(site_, status, now()).ok());
  refused = call("POST", "/v1/devices/DOOR-1/commands", acme_key_, clear);
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body["error"].get<std::string>().find("later than the relay's clock"),
            std::string::npos)
      << refused.body.dump();

  status.log_checked_at = formatRfc3339(std::chrono::floor<std::chrono::seconds>(clock_.now()));
  ASSERT_TRUE(statuses.recordDeviceStatus(site_, status, now()).ok());
  EXPECT_EQ(call("POST", "/v1/devices/DOOR-1/commands", acme_key_, clear).status, 202);
}

TEST_F(RestApiTest, RecordsMissingForLongRaiseOneEvent) {
  StatusIngest statuses(
      StatusIngestParts{store_->unitOfWork(), store_->tenants(), store_->sightings(),
                        store_->punches(), store_->deviceEvents(), store_->outbox()},
      std::chrono::minutes{10});
  contract::DeviceStatus status;
  status.serial = "DOOR-1";
  status.online = true;
  status.logs = 5;
  storePunches(2, "DOOR-1");
  for (int minute = 0; minute <= 30; minute += 5) {
    ASSERT_TRUE(statuses.recordDeviceStatus(site_, status, now()).ok());
    clock_.advance(std::chrono::minutes{5});
  }
  auto listed = call("GET", "/v1/events", acme_key_, "", {{"type", "device.records_missing"}});
  ASSERT_EQ(listed.status, 200) << listed.body.dump();
  ASSERT_EQ(listed.body["data"].size(), 1U) << listed.body.dump();
  EXPECT_EQ(listed.body["data"][0]["missing"], 3);
  EXPECT_EQ(listed.body["data"][0]["device_id"], "DOOR-1");
}

TEST_F(RestApiTest, DeviceEventsArePagedAndFiltered) {
  json events = json::array();
  for (int i = 0; i < 5; ++i) {
    contract::DeviceEvent event;
    event.type = i % 2 == 0 ? contract::DeviceEventType::AlarmTamper
                            : contract::DeviceEventType::AccessDenied;
    event.device_serial = i < 4 ? "DOOR-1" : "DOOR-2";
    event.timestamp = "2026-03-27T08:0" + std::to_string(i) + ":00Z";
    event.local_time = testing::nthLocalTime(i);
    event.code = 55;
    event.source = "realtime";
    event.event_id = contract::deviceEventIdOf(event);
    events.push_back(json::parse(contract::encodeDeviceEvent(event)));
  }
  const auto batch = contract::decodePunchBatch(
      json{
          {"site_id", "plant-7"}, {"batch_id", "b"}, {"punches", json::array()}, {"events", events}}
          .dump(),
      "plant-7");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->events.size(), 5U);
  PunchIngest ingest = ingester();
  const auto outcome = ingest.ingest(site_, *batch, now());
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->acked.size(), 5U);
  EXPECT_EQ(outcome->events_stored, 5U);
  const auto replay = ingest.ingest(site_, *batch, now());
  EXPECT_EQ(replay->events_stored, 0U);  // a replay stores nothing, and is acked again
  EXPECT_EQ(replay->acked.size(), 5U);
  auto response = call("GET", "/v1/events", acme_key_, "", {{"type", "alarm.tamper"}});
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body["data"].size(), 3U);
  EXPECT_EQ(response.body["data"][0]["type"], "alarm.tamper");
  EXPECT_EQ(response.body["data"][0]["code"], 55);
  EXPECT_EQ(response.body["data"][0]["local_time"], testing::nthLocalTime(0));
  response = call("GET", "/v1/events", acme_key_, "", {{"device_id", "DOOR-2"}});
  EXPECT_EQ(response.body["data"].size(), 1U);
  response = call("GET", "/v1/events", acme_key_, "",
                  {{"start_date", "2026-03-27T08:01:00Z"},
                   {"end_date", "2026-03-27T08:03:00Z"},
                   {"limit", "1"}});
  EXPECT_EQ(response.body["data"].size(), 1U);
  EXPECT_TRUE(response.body["has_more"].get<bool>());
  response = call("GET", "/v1/events", acme_key_, "",
                  {{"start_date", "2026-03-27T08:01:00Z"},
                   {"end_date", "2026-03-27T08:03:00Z"},
                   {"cursor", response.body["next_cursor"]}});
  EXPECT_EQ(response.body["data"].size(), 1U);
  EXPECT_FALSE(response.body["has_more"].get<bool>());
  EXPECT_EQ(call("GET", "/v1/events", acme_key_, "", {{"type", "alarm.fire"}}).status, 400);
  EXPECT_TRUE(call("GET", "/v1/events", globex_key_).body["data"].empty());
}

TEST_F(RestApiTest, APathThatIsNotTextIsAnsweredNotDropped) {
  // %FF decodes to a byte that is not UTF-8; echoed into the error it made serialising the
  // answer throw, and the client got no reply at all.
  for (const char* path : {"/v1/devices/%FF", "/v1/users/%C0%AF", "/v1/devices/a%00b",
                           "/v1/commands/%1B%5B2J", "/v1/nowhere/%FE"}) {
    const auto response = call("GET", path, acme_key_);
    EXPECT_EQ(response.status, 404) << path;
    ASSERT_TRUE(response.body.is_object()) << path;
    EXPECT_EQ(response.body["code"], "not_found") << path;
  }
  EXPECT_EQ(call("GET", "/v1/devices", acme_key_).status, 200);
}

TEST_F(RestApiTest, ABatchEchoesOnlyUserIdsItChecked) {
  ASSERT_EQ(call("POST", "/v1/devices", acme_key_, R"({"serial_number":"DOOR-E"})").status, 201);
  reportStatus("DOOR-E", R"({"serial":"DOOR-E","online":true})");
  const auto response =
      call("POST", "/v1/users/batch", acme_key_,
           R"({"device_id":"DOOR-E","users":[{"user_id":{"a":[1,2,3]}},{"user_id":"0"},)"
           R"({"user_id":"E1","name":"Eve"}]})");
  ASSERT_EQ(response.status, 200) << response.body.dump();
  const auto& results = response.body["results"];
  ASSERT_EQ(results.size(), 3U);
  EXPECT_FALSE(results[0].contains("user_id"));
  EXPECT_FALSE(results[1].contains("user_id"));
  EXPECT_EQ(results[1]["field"], "users[1].user_id");
  EXPECT_EQ(results[2]["user_id"], "E1");
}

TEST_F(RestApiTest, OversizedBodiesGet413) {
  const std::string huge(kMaxBodyBytes + 1, ' ');
  const auto response = call("POST", "/v1/devices", acme_key_, huge);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body["code"], "payload_too_large");
}

// The 400 for a receiver inside the operator's network says so without the address the name
// resolved to: otherwise creating endpoints would map the relay's internal DNS for a tenant.
TEST_F(RestApiTest, AWebhookUrlResolvingToAPrivateAddressIsRefusedWithoutTheAddress) {
  const auto response =
      call("POST", "/v1/webhooks", acme_key_, R"({"url":"https://localhost:8443/hook"})");
  ASSERT_EQ(response.status, 400) << response.body.dump();
  EXPECT_EQ(response.body["field"], "url");
  const std::string error = response.body["error"];
  EXPECT_NE(error.find("host localhost resolves to a loopback or private address"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find("127.0.0.1"), std::string::npos) << error;
  EXPECT_EQ(error.find("::1"), std::string::npos) << error;
  EXPECT_EQ(call("GET", "/v1/webhooks", acme_key_).body["data"].size(), 0U);
}

}  // namespace
}  // namespace punchlink::relay::api
