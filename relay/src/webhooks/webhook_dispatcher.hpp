// Sends the webhook deliveries queued in the store. A scheduler thread leases due deliveries in
// batches into a lane per endpoint (a few attempts' worth ahead for a fast receiver, none ahead
// for a slow one); workers take them from the lanes in turn, each lane at most its adaptive
// concurrency of requests at once (so a slow or dead receiver only ever holds a few workers),
// sign and send (one delivery per request, or for an endpoint that opted into batched delivery
// what is waiting in its lane, up to its max_events_per_request); a recorder thread commits the
// outcomes of many attempts in one transaction.
#pragma once

#include "store/delivery_queue.hpp"
#include "store/event_outbox.hpp"
#include "store/unit_of_work.hpp"
#include "store/webhook_endpoints.hpp"
#include "webhooks/concurrency_limit.hpp"
#include "webhooks/delivery_policy.hpp"
#include "webhooks/webhook_sender.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace punchlink::relay::webhooks {

struct DispatcherOptions {
  std::string node_id = "punchlink-relay";  // owner of this node's leases
  std::size_t workers = 32;
  // Attempts in flight per endpoint: from the minimum, grown while the receiver answers fast,
  // halved on errors, back to the minimum on a 429 or Retry-After.
  std::size_t per_endpoint_concurrency = 2;
  std::size_t per_endpoint_max_concurrency = 16;
  // Deliveries leased at most, in lanes and in flight, and per transaction of outcomes.
  std::size_t claim_batch = 512;
  // How often the database is polled for due retries (and other nodes' deliveries); new
  // deliveries of this node are sent at once via poke().
  std::chrono::milliseconds poll_interval{500};
  std::chrono::milliseconds attempt_timeout{15'000};
  RetryPolicy retry;
  std::string user_agent = "punchlink";
};

// Upper bounds (ms) of the attempt-latency histogram's buckets.
inline constexpr std::array<std::int64_t, 11> kLatencyBucketsMs = {5,   10,   25,   50,   100,  250,
                                                                   500, 1000, 2500, 5000, 10000};

struct DispatcherStats {
  std::uint64_t requests = 0;  // HTTP requests: fewer than attempts when endpoints batch
  std::uint64_t attempts = 0;  // of deliveries
  std::uint64_t delivered = 0;
  std::uint64_t retries_scheduled = 0;
  std::uint64_t failed = 0;  // gave up
  std::uint64_t endpoints_disabled = 0;
  std::uint64_t latency_ms_total = 0;  // of all attempts, for an average
  // Attempts with latency <= kLatencyBucketsMs[i] (cumulative, as Prometheus wants them).
  std::array<std::uint64_t, kLatencyBucketsMs.size()> latency_le{};
};

// The store parts the dispatcher uses.
struct DispatcherStores {
  DeliveryQueue& queue;
  WebhookEndpoints& endpoints;  // to disable one that is gone or failing too long
  EventOutbox& outbox;          // its endpoint-disabled event
  UnitOfWork& work;
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(DispatcherStores stores,
                    WebhookSender& http,
                    const Clock& clock,
                    Logger logger,
                    DispatcherOptions options);
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;
  WebhookDispatcher(WebhookDispatcher&&) = delete;
  WebhookDispatcher& operator=(WebhookDispatcher&&) = delete;

  // Returns this node's leases from a previous run to the queue, then starts the threads.
  void start();
  // Finishes the attempts in flight, then stops; undelivered work stays in the store.
  void stop();

  // New deliveries were queued: look now instead of at the next poll.
  void poke();

  DispatcherStats stats() const;

 private:
  struct Leased {
    ClaimedDelivery claimed;
    UtcMillis lease_until;
  };

  // An endpoint's deliveries on this node: leased and waiting, being sent, being recorded.
  struct Lane {
    explicit Lane(ConcurrencyBounds bounds) : limit(bounds) {}

    std::deque<Leased> waiting;
    std::size_t sending = 0;             // requests in flight (what the concurrency limits)
    std::size_t sending_deliveries = 0;  // the deliveries they carry
    std::size_t recording = 0;
    ConcurrencyLimit limit;
    UtcMillis paused_until{};    // Retry-After: nothing is sent before
    std::size_t max_events = 1;  // per request, as the endpoint was when last leased

    std::size_t held() const { return waiting.size() + sending_deliveries + recording; }
  };

  // An attempt made, waiting for the recorder.
  struct Finished {
    AttemptRecord record;
    std::string event_id;
    AttemptDecision decision;
    HttpAttemptResult result;
  };

  void schedule();
  void work();
  void record();
  // The deliveries of the next request a worker may send, from the lanes in turn (one, or up to
  // the lane's max_events for a batched endpoint); empty when none may go now.
  std::vector<Leased> takeNext(UtcMillis at);
  // One request for the deliveries (all of one endpoint) and each one's attempt.
  std::vector<Finished> deliver(const std::vector<Leased>& jobs);
  void afterRecorded(const Finished& finished, const Status& recorded);
  void countAttempt(const Finished& finished);  // in stats_, under mutex_
  std::size_t laneTarget(const Lane& lane) const;
  Lane& laneOf(const std::string& endpoint_id);
  // Disables the endpoint and records its endpoint-disabled event, in one transaction; false when
  // it was disabled already (by another attempt or node).
  Result<bool> disableEndpoint(const std::string& endpoint_id,
                               const std::string& reason,
                               UtcMillis now);
  UtcMillis now() const;

  DispatcherStores stores_;
  WebhookSender& http_;
  const Clock& clock_;
  Logger logger_;
  DispatcherOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable scheduler_wake_;
  std::condition_variable worker_wake_;
  std::condition_variable recorder_wake_;
  std::map<std::string, Lane> lanes_;
  std::string last_lane_;  // served last: workers look at the lanes after it first
  std::size_t held_total_ = 0;
  std::vector<Finished> finished_;
  std::chrono::milliseconds lease_;
  bool poked_ = false;
  bool stopping_ = false;
  bool workers_done_ = false;
  bool started_ = false;
  Backoff jitter_;  // guarded by mutex_
  DispatcherStats stats_;
  std::thread scheduler_;
  std::thread recorder_;
  std::vector<std::thread> workers_;
};

}  // namespace punchlink::relay::webhooks
