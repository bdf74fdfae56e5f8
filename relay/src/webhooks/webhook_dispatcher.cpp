#include "webhook_dispatcher.hpp"

#include "events/event_catalogue.hpp"
#include "webhooks/batch_body.hpp"
#include "webhooks/endpoint_fields.hpp"
#include "webhooks/webhook_signature.hpp"

#include <punchlink/common/utc_time.hpp>

#include <algorithm>

namespace punchlink::relay::webhooks {

namespace {

// Lanes of receivers faster than this get attempts' worth leased ahead; slower ones only what
// they may send at once, so no delivery waits long in memory on its lease.
constexpr std::chrono::milliseconds kLeaseAheadBelow{250};
constexpr std::size_t kAheadFactor = 4;
// A delivery still waiting when its lease no longer covers an attempt plus this is not sent: its
// lease lapses and it is leased again, so no two nodes ever attempt it at once.
constexpr std::chrono::seconds kLeaseMargin{5};

std::size_t eventsPerRequest(const WebhookEndpoint& endpoint) {
  return static_cast<std::size_t>(
      std::clamp<std::int64_t>(endpoint.max_events_per_request, 1, kMaxEventsPerRequest));
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(DispatcherStores stores,
                                     WebhookSender& http,
                                     const Clock& clock,
                                     Logger logger,
                                     DispatcherOptions options)
    : stores_(stores),
      http_(http),
      clock_(clock),
      logger_(std::move(logger)),
      options_(std::move(options)),
      // A lease outlives any attempt: a node that dies mid-attempt loses it, and others retry.
      lease_(2 * options_.attempt_timeout + std::chrono::seconds{30}),
      jitter_(options_.retry.backoff) {
  options_.workers = std::max<std::size_t>(1, options_.workers);
  options_.per_endpoint_concurrency = std::max<std::size_t>(1, options_.per_endpoint_concurrency);
  options_.per_endpoint_max_concurrency =
      std::max(options_.per_endpoint_concurrency, options_.per_endpoint_max_concurrency);
  options_.claim_batch = std::max<std::size_t>(1, options_.claim_batch);
}

WebhookDispatcher::~WebhookDispatcher() { stop(); }

UtcMillis WebhookDispatcher::now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
}

void WebhookDispatcher::start() {
  if (auto released = stores_.queue.releaseLeases(options_.node_id); !released) {
    logger_.warn("cannot release this node's old leases; they are retried when they lapse",
                 {{"error", released.error().toString()}});
  }
  const std::lock_guard lock(mutex_);
  if (started_) {
    return;
  }
  started_ = true;
  stopping_ = false;
  workers_done_ = false;
  scheduler_ = std::thread([this] { schedule(); });
  recorder_ = std::thread([this] { record(); });
  for (std::size_t i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] { work(); });
  }
}

void WebhookDispatcher::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (!started_) {
      return;
    }
    stopping_ = true;
  }
  scheduler_wake_.notify_all();
  worker_wake_.notify_all();
  scheduler_.join();
  for (auto& worker : workers_) {
    worker.join();
  }
  workers_.clear();
  {
    // The attempts made are recorded before the recorder stops.
    const std::lock_guard lock(mutex_);
    workers_done_ = true;
  }
  recorder_wake_.notify_all();
  recorder_.join();
  const std::lock_guard lock(mutex_);
  started_ = false;
  // Leased but never attempted: back to the queue right away rather than when the lease lapses.
  lanes_.clear();
  held_total_ = 0;
  (void)stores_.queue.releaseLeases(options_.node_id);
}

void WebhookDispatcher::poke() {
  {
    const std::lock_guard lock(mutex_);
    poked_ = true;
  }
  scheduler_wake_.notify_one();
}

DispatcherStats WebhookDispatcher::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

WebhookDispatcher::Lane& WebhookDispatcher::laneOf(const std::string& endpoint_id) {
  return lanes_
      .try_emplace(endpoint_id, ConcurrencyBounds{options_.per_endpoint_concurrency,
                                                  options_.per_endpoint_max_concurrency})
      .first->second;
}

std::size_t WebhookDispatcher::laneTarget(const Lane& lane) const {
  // Each request may carry max_events deliveries: lease enough to fill them, but never more
  // than half of what this node leases at once, so a batched endpoint's backlog cannot take
  // every lease from the others (claims serve the lane with the most room first).
  const std::size_t limit = lane.limit.current() * lane.max_events;
  const auto baseline = lane.limit.baseline();
  const std::size_t target =
      baseline.count() >= 0 && baseline < kLeaseAheadBelow ? limit * kAheadFactor : limit;
  return std::min(target, std::max<std::size_t>(1, options_.claim_batch / 2));
}

void WebhookDispatcher::schedule() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // A poke is consumed even when nothing can be leased: a recorded batch pokes again. Left
    // set, it would make the wait below return at once and this loop spin with the lock held.
    poked_ = false;
    const std::size_t room = options_.claim_batch - std::min(options_.claim_batch, held_total_);
    if (room > 0) {
      const UtcMillis at = now();
      std::map<std::string, std::size_t> capacity;
      for (const auto& [endpoint, lane] : lanes_) {
        const std::size_t target = lane.paused_until > at ? 0 : laneTarget(lane);
        capacity[endpoint] = target - std::min(target, lane.held());
      }
      lock.unlock();
      auto claimed = stores_.queue.claimDue(options_.node_id, at, lease_, room, capacity,
                                            options_.per_endpoint_concurrency);
      lock.lock();
      if (!claimed) {
        logger_.limited(LogLevel::Error, "claim", "cannot read due webhook deliveries",
                        {{"error", claimed.error().toString()}});
      } else if (!claimed->empty()) {
        for (auto& job : *claimed) {
          Lane& lane = laneOf(job.delivery.endpoint_id);
          lane.max_events = eventsPerRequest(job.endpoint);
          lane.waiting.push_back({std::move(job), at + lease_});
          ++held_total_;
        }
        worker_wake_.notify_all();
      }
    }
    // A poke (new deliveries, or recorded outcomes freeing room) or the poll interval.
    scheduler_wake_.wait_for(lock, options_.poll_interval, [&] { return stopping_ || poked_; });
  }
}

std::vector<WebhookDispatcher::Leased> WebhookDispatcher::takeNext(UtcMillis at) {
  std::vector<Leased> jobs;
  if (lanes_.empty()) {
    return jobs;
  }
  // The lanes after the one served last, then from the first: each gets its turn.
  auto it = lanes_.upper_bound(last_lane_);
  for (std::size_t seen = 0; seen < lanes_.size(); ++seen, ++it) {
    if (it == lanes_.end()) {
      it = lanes_.begin();
    }
    Lane& lane = it->second;
    if (lane.paused_until > at) {
      continue;
    }
    if (lane.sending >= lane.limit.current()) {
      continue;
    }
    // A batched endpoint gets what is waiting, up to its maximum: nothing is held back to fill
    // a request, so a batch grows only while the receiver is busy with the one before.
    const std::size_t wanted =
        lane.waiting.empty() ? 1 : eventsPerRequest(lane.waiting.front().claimed.endpoint);
    while (!lane.waiting.empty() && jobs.size() < wanted) {
      Leased job = std::move(lane.waiting.front());
      lane.waiting.pop_front();
      if (job.lease_until - options_.attempt_timeout - kLeaseMargin < at) {
        --held_total_;  // lapses and is leased again
        continue;
      }
      jobs.push_back(std::move(job));
    }
    if (!jobs.empty()) {
      ++lane.sending;
      lane.sending_deliveries += jobs.size();
      last_lane_ = it->first;
      return jobs;
    }
  }
  return jobs;
}

void WebhookDispatcher::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    std::vector<Leased> jobs;
    // Woken by new leases; the timeout lets a lane paused by a Retry-After go on when it ends.
    worker_wake_.wait_for(lock, options_.poll_interval,
                          [&] { return stopping_ || !(jobs = takeNext(now())).empty(); });
    if (stopping_) {
      if (!jobs.empty()) {
        // Taken just as the node stops: left to the lease release in stop().
        Lane& lane = laneOf(jobs.front().claimed.delivery.endpoint_id);
        --lane.sending;
        lane.sending_deliveries -= jobs.size();
      }
      return;
    }
    if (jobs.empty()) {
      continue;
    }
    lock.unlock();
    std::vector<Finished> finished = deliver(jobs);
    lock.lock();
    // One request: one sample for the lane's concurrency, whatever it carried.
    const Finished& first = finished.front();
    Lane& lane = laneOf(first.record.endpoint_id);
    --lane.sending;
    lane.sending_deliveries -= finished.size();
    lane.recording += finished.size();
    const std::size_t limit_before = lane.limit.current();
    lane.limit.onAttempt(first.result,
                         first.decision.outcome.kind == AttemptOutcome::Kind::Delivered);
    if (lane.limit.current() > limit_before) {
      worker_wake_.notify_one();  // room for one more attempt of this lane at once
    }
    if (isThrottled(first.result) && first.result.retry_after) {
      // No longer than the retry schedule's own longest wait.
      lane.paused_until = now() + std::min<std::chrono::milliseconds>(*first.result.retry_after,
                                                                      options_.retry.backoff.max);
    }
    ++stats_.requests;
    for (auto& one : finished) {
      countAttempt(one);
      finished_.push_back(std::move(one));
    }
    recorder_wake_.notify_one();
  }
}

void WebhookDispatcher::countAttempt(const Finished& finished) {
  ++stats_.attempts;
  const auto latency = finished.record.attempt.latency_ms;
  stats_.latency_ms_total += static_cast<std::uint64_t>(latency);
  for (std::size_t i = 0; i < kLatencyBucketsMs.size(); ++i) {
    if (latency <= kLatencyBucketsMs[i]) {
      ++stats_.latency_le[i];
    }
  }
  switch (finished.decision.outcome.kind) {
    case AttemptOutcome::Kind::Delivered:
      ++stats_.delivered;
      break;
    case AttemptOutcome::Kind::Retry:
      ++stats_.retries_scheduled;
      break;
    case AttemptOutcome::Kind::Failed:
      ++stats_.failed;
      break;
  }
}

void WebhookDispatcher::record() {
  std::unique_lock lock(mutex_);
  while (true) {
    recorder_wake_.wait(lock, [this] { return !finished_.empty() || workers_done_; });
    if (finished_.empty()) {
      return;  // the workers are done and everything they attempted is recorded
    }
    // Whatever finished while the last batch was committed goes in the next: the busier the
    // receivers, the more outcomes share one commit.
    std::vector<Finished> batch;
    batch.swap(finished_);
    lock.unlock();
    std::vector<AttemptRecord> records;
    records.reserve(batch.size());
    for (const auto& finished : batch) {
      records.push_back(finished.record);
    }
    auto recorded = stores_.queue.recordAttempts(options_.node_id, records, now());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      afterRecorded(batch[i], recorded ? (*recorded)[i] : Status(recorded.error()));
    }
    lock.lock();
    for (const auto& finished : batch) {
      --laneOf(finished.record.endpoint_id).recording;
      --held_total_;
    }
    // Room freed: there may be more due deliveries to lease.
    poked_ = true;
    scheduler_wake_.notify_one();
  }
}

Result<bool> WebhookDispatcher::disableEndpoint(const std::string& endpoint_id,
                                                const std::string& reason,
                                                UtcMillis at) {
  bool disabled_now = false;
  const Status done = stores_.work.transaction([&]() -> Status {
    disabled_now = false;
    auto disabled = stores_.endpoints.disableEndpoint(endpoint_id, reason, at);
    if (!disabled || !*disabled) {
      return disabled ? Status{} : Status(disabled.error());  // disabled already: one event
    }
    // For the operator and the API, and the tenant's other endpoints subscribed to it; the
    // endpoint just disabled is not sent it.
    auto recorded = stores_.outbox.record(
        (*disabled)->tenant_id, events::endpointDisabled(endpoint_id, (*disabled)->url, reason, at),
        at);
    disabled_now = recorded.ok();
    return recorded ? Status{} : Status(recorded.error());
  });
  if (!done) {
    return done.error();
  }
  return disabled_now;
}

std::vector<WebhookDispatcher::Finished> WebhookDispatcher::deliver(
    const std::vector<Leased>& jobs) {
  // The endpoint as leased with the first delivery: the request goes to one URL, signed once.
  const WebhookEndpoint& target = jobs.front().claimed.endpoint;
  const UtcMillis started = now();
  std::vector<std::string> secrets{target.secret};
  if (!target.previous_secret.empty() && target.previous_secret_expires > started) {
    secrets.push_back(target.previous_secret);
  }
  const std::int64_t timestamp =
      std::chrono::floor<std::chrono::seconds>(started).time_since_epoch().count();
  // One event as stored, or for a batched endpoint all of them in one batch body.
  const Delivery& first = jobs.front().claimed.delivery;
  std::string id = first.event_id;
  std::string_view type = first.event_type;
  std::string body;
  Status built;
  if (target.max_events_per_request > 1) {
    std::vector<std::string_view> ids;
    std::vector<std::string_view> bodies;
    for (const auto& job : jobs) {
      ids.emplace_back(job.claimed.delivery.event_id);
      bodies.emplace_back(job.claimed.delivery.body);
    }
    id = batchId(std::move(ids));
    type = kBatchEventName;
    auto batched = batchBody(id, bodies);
    if (batched) {
      body = std::move(*batched);
    } else {
      built = batched.error();
    }
  } else {
    body = first.body;
  }
  HttpAttemptResult result;
  if (!built) {
    result.error = "cannot build the batched request: " + built.error().message;
  } else if (auto headers = signRequest(secrets, id, type, timestamp, body, options_.user_agent);
             !headers) {
    result.error = "cannot sign: " + headers.error().message;
  } else {
    result = http_.post(target.url, headers->headers, body);
  }
  const UtcMillis at = now();
  std::vector<Finished> finished(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const Delivery& delivery = jobs[i].claimed.delivery;
    Finished& one = finished[i];
    one.result = result;
    DeliveryAttempt& attempt = one.record.attempt;
    attempt.attempt = delivery.attempt_count + 1;
    attempt.at = started;
    attempt.status_code = result.status;
    attempt.latency_ms = result.latency.count();
    attempt.error = describeAttempt(result);
    attempt.response_excerpt = result.excerpt;
    one.record.delivery_id = delivery.id;
    one.record.endpoint_id = delivery.endpoint_id;
    one.event_id = delivery.event_id;
    {
      const std::lock_guard lock(mutex_);
      one.decision =
          decideAfterAttempt(delivery, result, at, target.failing_since, options_.retry, jitter_);
    }
    one.record.outcome = one.decision.outcome;
  }
  return finished;
}

void WebhookDispatcher::afterRecorded(const Finished& finished, const Status& recorded) {
  const auto& record = finished.record;
  if (!recorded) {
    // The lease lapses and the delivery is attempted again: at least once, never lost.
    logger_.limited(
        LogLevel::Error, "record", "cannot record a webhook attempt",
        {{"delivery", std::to_string(record.delivery_id)}, {"error", recorded.error().toString()}});
    return;
  }
  const auto& outcome = record.outcome;
  if (outcome.kind == AttemptOutcome::Kind::Failed) {
    logger_.warn("webhook delivery failed for good", {{"endpoint", record.endpoint_id},
                                                      {"event", finished.event_id},
                                                      {"reason", outcome.reason}});
  } else if (outcome.kind == AttemptOutcome::Kind::Retry) {
    logger_.limited(LogLevel::Info, "retry/" + record.endpoint_id, "webhook attempt failed",
                    {{"endpoint", record.endpoint_id},
                     {"event", finished.event_id},
                     {"attempt", std::to_string(record.attempt.attempt)},
                     {"error", record.attempt.error}});
  }
  if (finished.decision.disable_endpoint) {
    if (auto disabled = disableEndpoint(record.endpoint_id, finished.decision.disable_reason,
                                        record.attempt.at);
        !disabled) {
      logger_.error("cannot disable a failing webhook endpoint",
                    {{"endpoint", record.endpoint_id}, {"error", disabled.error().toString()}});
    } else if (*disabled) {
      // Every delivery of a batched request that got 410 asks; only the first one disables.
      logger_.warn("webhook endpoint disabled", {{"endpoint", record.endpoint_id},
                                                 {"reason", finished.decision.disable_reason}});
      const std::lock_guard lock(mutex_);
      ++stats_.endpoints_disabled;
    }
  }
}

}  // namespace punchlink::relay::webhooks
