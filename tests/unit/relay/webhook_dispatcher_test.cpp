// The webhook dispatcher without a network: a scripted receiver behind the WebhookSender seam,
// a real store, and a manual clock, so retry schedules and leases are checked exactly.
#include "webhooks/webhook_dispatcher.hpp"

#include "ingest/punch_ingest.hpp"
#include "store/store.hpp"
#include "tenancy/tenancy.hpp"
#include "webhooks/batch_body.hpp"
#include "webhooks/webhook_signature.hpp"

#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace punchlink::relay::webhooks {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Answers each URL with the statuses it is given, in turn (the last one repeats).
class ScriptedReceiver final : public WebhookSender {
 public:
  struct Call {
    std::string url;
    std::map<std::string, std::string> headers;
    std::string body;
  };

  HttpAttemptResult post(const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body) override {
    std::unique_lock lock(mutex_);
    // A held URL answers only once released: a receiver that is slow right now.
    released_.wait(lock, [&] { return held_.count(url) == 0; });
    calls_.push_back({url, {headers.begin(), headers.end()}, body});
    auto& script = scripts_[url];
    HttpAttemptResult result;
    result.status = script.empty() ? 200 : script.front();
    if (script.size() > 1) {
      script.erase(script.begin());
    }
    return result;
  }

  void hold(const std::string& url) {
    const std::lock_guard lock(mutex_);
    held_.insert(url);
  }

  void release() {
    {
      const std::lock_guard lock(mutex_);
      held_.clear();
    }
    released_.notify_all();
  }

  void answer(const std::string& url, std::vector<int> statuses) {
    const std::lock_guard lock(mutex_);
    scripts_[url] = std::move(statuses);
  }

  std::vector<Call> calls(const std::string& url) const {
    const std::lock_guard lock(mutex_);
    std::vector<Call> out;
    for (const auto& call : calls_) {
      if (call.url == url) {
        out.push_back(call);
      }
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::set<std::string> held_;
  std::vector<Call> calls_;
  std::map<std::string, std::vector<int>> scripts_;
};

class WebhookDispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.setWall(std::chrono::system_clock::now());
    store_ = std::move(openStore(storage_.location(), clock_).value());
    ASSERT_TRUE(store_->migrate().ok());
    tenant_ = tenancy::createTenant(store_->tenants(), "Acme").value().id;
    site_ = tenancy::createSite(store_->tenants(), tenant_, "plant-1").value();
    options_.node_id = "node-a";
    options_.workers = 2;
    options_.poll_interval = 20ms;
    options_.retry.backoff.jitter = 0.0;
    dispatcher_ = std::make_unique<WebhookDispatcher>(
        DispatcherStores{store_->deliveryQueue(), store_->endpoints(), store_->outbox(),
                         store_->unitOfWork()},
        receiver_, clock_, logger_, options_);
  }

  void TearDown() override {
    receiver_.release();
    dispatcher_->stop();
  }

  UtcMillis now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  }

  // An endpoint of the tenant; returns its secret.
  std::string endpoint(const std::string& id,
                       const std::string& url,
                       const std::string& events,
                       std::int64_t max_events_per_request = 1) {
    WebhookEndpoint endpoint;
    endpoint.max_events_per_request = max_events_per_request;
    endpoint.id = id;
    endpoint.tenant_id = tenant_;
    endpoint.url = url;
    endpoint.events = events;
    endpoint.secret = generateSecret();
    endpoint.created_at = endpoint.updated_at = now();
    EXPECT_TRUE(store_->endpoints().createEndpoint(endpoint).ok());
    return endpoint.secret;
  }

  std::string punch() {
    const std::string local_time = testing::nthLocalTime(++next_);
    const std::string id = testing::punchEventId("SN1", "7", local_time);
    const json batch = {{"site_id", "plant-1"},
                        {"batch_id", "b"},
                        {"punches", json::array({{{"event_id", id},
                                                  {"device_serial", "SN1"},
                                                  {"user_id", "7"},
                                                  {"timestamp", "2026-03-27T08:30:12Z"},
                                                  {"local_time", local_time}}})}};
    PunchIngest ingest(PunchIngestParts{store_->unitOfWork(), store_->sightings(),
                                        store_->punches(), store_->deviceEvents(), store_->users(),
                                        store_->outbox()});
    EXPECT_TRUE(
        ingest.ingest(site_, contract::decodePunchBatch(batch.dump(), "plant-1").value(), now())
            .ok());
    dispatcher_->poke();
    return id;
  }

  std::vector<Delivery> allDeliveries(const std::string& endpoint_id) {
    DeliveryFilter filter;
    filter.limit = 1000;
    return store_->deliveryLog().listDeliveries(tenant_, endpoint_id, filter).value();
  }

  bool allIn(const std::string& endpoint_id, std::size_t count, const std::string& state) {
    return testing::eventually(
        [&] {
          const auto rows = allDeliveries(endpoint_id);
          return rows.size() == count && std::all_of(rows.begin(), rows.end(), [&](const auto& d) {
                   return d.state == state;
                 });
        },
        5s, 5ms);
  }

  Delivery onlyDelivery(const std::string& endpoint_id) {
    auto rows = store_->deliveryLog().listDeliveries(tenant_, endpoint_id, DeliveryFilter{});
    EXPECT_EQ(rows.value().size(), 1U);
    return rows.value().front();
  }

  bool stateIs(const std::string& endpoint_id, const std::string& state) {
    return testing::eventually([&] { return onlyDelivery(endpoint_id).state == state; }, 5s, 5ms);
  }

  testing::TempDir dir_;
  testing::RelayStorage storage_{dir_};
  testing::ManualClock clock_;
  Logger logger_{"webhooks", LogLevel::Error, StderrSink::detect(), clock_};
  ScriptedReceiver receiver_;
  DispatcherOptions options_;
  StorePtr store_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
  std::string tenant_;
  Site site_;
  int next_ = 0;
};

TEST_F(WebhookDispatcherTest, DeliversSignedBodiesAndRecordsTheAttempt) {
  const std::string secret = endpoint("whk_1", "https://hr.example/hook", "[]");
  dispatcher_->start();
  const std::string event_id = punch();
  ASSERT_TRUE(stateIs("whk_1", "delivered"));
  const auto calls = receiver_.calls("https://hr.example/hook");
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0].headers.at("X-Event-Id"), event_id);
  EXPECT_EQ(calls[0].headers.at("X-Signature"), xSignature(secret, calls[0].body));
  EXPECT_EQ(json::parse(calls[0].body)["event_id"], event_id);
  const Delivery delivery = onlyDelivery("whk_1");
  ASSERT_EQ(delivery.attempts.size(), 1U);
  EXPECT_EQ(delivery.attempts[0].status_code, 200);
  EXPECT_EQ(dispatcher_->stats().delivered, 1U);
}

TEST_F(WebhookDispatcherTest, FailuresAreRetriedOnTheScheduleNotBefore) {
  endpoint("whk_1", "https://hr.example/hook", "[]");
  receiver_.answer("https://hr.example/hook", {500, 503, 200});
  dispatcher_->start();
  punch();
  ASSERT_TRUE(
      testing::eventually([&] { return onlyDelivery("whk_1").attempts.size() == 1; }, 5s, 5ms));
  const Delivery first = onlyDelivery("whk_1");
  EXPECT_EQ(first.state, "queued");
  ASSERT_TRUE(first.next_attempt.has_value());
  EXPECT_EQ(*first.next_attempt - first.attempts[0].at, 1s);  // +1 s, no jitter here
  // Not due until then: a claim at the same instant finds nothing.
  DeliveryQueue& queue = store_->deliveryQueue();
  EXPECT_TRUE(queue.claimDue("probe", now() + 999ms, 1h, 10, {}, 2).value().empty());
  clock_.advance(1s);
  dispatcher_->poke();
  ASSERT_TRUE(
      testing::eventually([&] { return onlyDelivery("whk_1").attempts.size() == 2; }, 5s, 5ms));
  EXPECT_EQ(*onlyDelivery("whk_1").next_attempt - onlyDelivery("whk_1").attempts[1].at, 2s);
  clock_.advance(2s);
  dispatcher_->poke();
  ASSERT_TRUE(stateIs("whk_1", "delivered"));
  EXPECT_EQ(onlyDelivery("whk_1").attempts.size(), 3U);
}

TEST_F(WebhookDispatcherTest, GoneDisablesTheEndpointAndTellsTheTenantsOthersOnce) {
  endpoint("whk_gone", "https://old.example/hook", "[]");
  endpoint("whk_ops", "https://ops.example/hook", R"(["endpoint.disabled"])");
  receiver_.answer("https://old.example/hook", {410});
  dispatcher_->start();
  punch();
  ASSERT_TRUE(testing::eventually(
      [&] { return receiver_.calls("https://ops.example/hook").size() == 1; }, 5s, 5ms));
  const json notice = json::parse(receiver_.calls("https://ops.example/hook")[0].body);
  EXPECT_EQ(notice["event"], "endpoint.disabled");
  EXPECT_EQ(notice["endpoint"]["id"], "whk_gone");
  const auto gone = store_->endpoints().findEndpoint(tenant_, "whk_gone").value();
  ASSERT_TRUE(gone.has_value());
  EXPECT_FALSE(gone->enabled);
  EXPECT_EQ(gone->disabled_reason, "the receiver answered 410 Gone");
  // A disabled endpoint gets nothing more queued, not even the notice of its own disabling.
  punch();
  EXPECT_EQ(onlyDelivery("whk_gone").event_type, "attendance.punch");
  EXPECT_EQ(receiver_.calls("https://old.example/hook").size(), 1U);
  EXPECT_EQ(dispatcher_->stats().endpoints_disabled, 1U);
}

TEST_F(WebhookDispatcherTest, LeasesOfAStoppedNodeGoBackToTheQueue) {
  endpoint("whk_1", "https://hr.example/hook", "[]");
  punch();
  // Leased by this node in an earlier life that crashed mid-attempt.
  ASSERT_EQ(store_->deliveryQueue().claimDue("node-a", now(), 1h, 10, {}, 2).value().size(), 1U);
  dispatcher_->start();  // releases node-a's old leases first
  ASSERT_TRUE(stateIs("whk_1", "delivered"));
}

TEST_F(WebhookDispatcherTest, ABatchedEndpointGetsWhatIsWaitingInOneSignedRequest) {
  const std::string secret = endpoint("whk_b", "https://hr.example/batch", "[]", 4);
  std::set<std::string> sent;
  for (int i = 0; i < 10; ++i) {
    sent.insert(punch());  // queued before the dispatcher runs: they wait together
  }
  dispatcher_->start();
  ASSERT_TRUE(allIn("whk_b", 10, "delivered"));
  const auto calls = receiver_.calls("https://hr.example/batch");
  std::multiset<std::string> received;
  std::size_t largest = 0;
  for (const auto& call : calls) {
    const json body = json::parse(call.body);
    EXPECT_EQ(nlohmann::ordered_json::parse(call.body).dump(), call.body);  // compact
    EXPECT_EQ(body["event"], "batch");
    EXPECT_EQ(body["count"], body["events"].size());
    largest = std::max<std::size_t>(largest, body["events"].size());
    std::vector<std::string_view> ids;
    for (const auto& event : body["events"]) {
      EXPECT_EQ(event["event"], "attendance.punch");
      received.insert(event["event_id"].get<std::string>());
      ids.emplace_back(event["event_id"].get_ref<const std::string&>());
    }
    const std::string id = batchId(ids);
    EXPECT_EQ(body["batch_id"], id);
    EXPECT_EQ(call.headers.at("webhook-id"), id);
    EXPECT_EQ(call.headers.at("X-Event-Id"), id);
    EXPECT_EQ(call.headers.at("X-Event-Type"), "batch");
    EXPECT_EQ(call.headers.at("X-Signature"), xSignature(secret, call.body));
    EXPECT_EQ(
        call.headers.at("webhook-signature"),
        standardSignature(secret, id, std::stoll(call.headers.at("webhook-timestamp")), call.body)
            .value());
  }
  EXPECT_EQ(received, std::multiset<std::string>(sent.begin(), sent.end()));
  EXPECT_LE(largest, 4U);  // the endpoint's maximum
  EXPECT_GT(largest, 1U);
  EXPECT_LT(calls.size(), 10U);
  for (const auto& delivery : allDeliveries("whk_b")) {
    ASSERT_EQ(delivery.attempts.size(), 1U);
    EXPECT_EQ(delivery.attempts[0].status_code, 200);
  }
  EXPECT_EQ(dispatcher_->stats().delivered, 10U);
}

TEST_F(WebhookDispatcherTest, AFailedBatchIsRetriedForEachOfItsEvents) {
  endpoint("whk_b", "https://hr.example/batch", "[]", 10);
  receiver_.answer("https://hr.example/batch", {500});
  for (int i = 0; i < 3; ++i) {
    punch();
  }
  dispatcher_->start();
  ASSERT_TRUE(testing::eventually(
      [&] {
        const auto rows = allDeliveries("whk_b");
        return rows.size() == 3 && std::all_of(rows.begin(), rows.end(), [](const auto& d) {
                 return d.attempts.size() == 1;
               });
      },
      5s, 5ms));
  for (const auto& delivery : allDeliveries("whk_b")) {
    EXPECT_EQ(delivery.state, "queued");
    EXPECT_EQ(delivery.attempts[0].status_code, 500);
    ASSERT_TRUE(delivery.next_attempt.has_value());
  }
  receiver_.answer("https://hr.example/batch", {200});
  clock_.advance(1s);
  dispatcher_->poke();
  ASSERT_TRUE(allIn("whk_b", 3, "delivered"));
  for (const auto& delivery : allDeliveries("whk_b")) {
    EXPECT_EQ(delivery.attempts.back().status_code, 200);
  }
  // Each retry carried the event again; none was lost or sent twice after its success.
  std::multiset<std::string> delivered;
  for (const auto& call : receiver_.calls("https://hr.example/batch")) {
    const json body = json::parse(call.body);
    for (const auto& event : body["events"]) {
      delivered.insert(event["event_id"].get<std::string>());
    }
  }
  EXPECT_EQ(delivered.size(), 6U);  // three events, each attempted twice
  EXPECT_EQ(std::set<std::string>(delivered.begin(), delivered.end()).size(), 3U);
}

TEST_F(WebhookDispatcherTest, EndpointsThatDidNotOptInGetOneEventPerRequest) {
  endpoint("whk_1", "https://hr.example/hook", "[]");
  for (int i = 0; i < 6; ++i) {
    punch();
  }
  dispatcher_->start();
  ASSERT_TRUE(allIn("whk_1", 6, "delivered"));
  const auto calls = receiver_.calls("https://hr.example/hook");
  ASSERT_EQ(calls.size(), 6U);
  for (const auto& call : calls) {
    EXPECT_EQ(json::parse(call.body)["event"], "attendance.punch");
  }
}

TEST_F(WebhookDispatcherTest, ABatchedEndpointsBacklogLeavesLeasesForTheOthers) {
  options_.claim_batch = 64;
  options_.workers = 4;  // two held by the busy receiver, at its concurrency
  dispatcher_ = std::make_unique<WebhookDispatcher>(
      DispatcherStores{store_->deliveryQueue(), store_->endpoints(), store_->outbox(),
                       store_->unitOfWork()},
      receiver_, clock_, logger_, options_);
  endpoint("whk_big", "https://big.example/batch", "[]", 100);
  receiver_.hold("https://big.example/batch");  // busy with what it has
  for (int i = 0; i < 150; ++i) {
    punch();
  }
  dispatcher_->start();
  // Its lane leases what it may hold: at most half of the 64 this node leases at once.
  const auto leased = [&] {
    const auto rows = allDeliveries("whk_big");
    return std::count_if(rows.begin(), rows.end(),
                         [](const Delivery& d) { return d.state == "delivering"; });
  };
  ASSERT_TRUE(testing::eventually([&] { return leased() >= 32; }, 5s, 5ms));
  clock_.advance(1s);
  dispatcher_->poke();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(leased(), 32);
  // So an endpoint with one delivery still gets its turn.
  endpoint("whk_small", "https://small.example/hook", "[]");
  punch();
  ASSERT_TRUE(stateIs("whk_small", "delivered"));
  EXPECT_TRUE(receiver_.calls("https://big.example/batch").empty());
  receiver_.release();
  ASSERT_TRUE(allIn("whk_big", 151, "delivered"));
}

TEST_F(WebhookDispatcherTest, GoneForABatchDisablesTheEndpointOnce) {
  endpoint("whk_gone", "https://old.example/batch", "[]", 10);
  endpoint("whk_ops", "https://ops.example/hook", R"(["endpoint.disabled"])");
  receiver_.answer("https://old.example/batch", {410});
  for (int i = 0; i < 3; ++i) {
    punch();
  }
  dispatcher_->start();
  ASSERT_TRUE(testing::eventually(
      [&] { return receiver_.calls("https://ops.example/hook").size() == 1; }, 5s, 5ms));
  // The first request carried two events (a new lane leases two); both asked to disable.
  const auto calls = receiver_.calls("https://old.example/batch");
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_GT(json::parse(calls[0].body)["count"].get<int>(), 1);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(receiver_.calls("https://ops.example/hook").size(), 1U);
  EXPECT_EQ(dispatcher_->stats().endpoints_disabled, 1U);
}

}  // namespace
}  // namespace punchlink::relay::webhooks
