#include "webhook_dispatcher.hpp"

#include "events/event_catalogue.hpp"
#include "webhooks/webhook_signature.hpp"

#include <punchlink/common/utc_time.hpp>

namespace punchlink::relay::webhooks {

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
      jitter_(options_.retry.backoff) {}

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
  scheduler_ = std::thread([this] { schedule(); });
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.workers); ++i) {
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
  const std::lock_guard lock(mutex_);
  started_ = false;
  // Leased but never attempted: back to the queue right away rather than when the lease lapses.
  jobs_.clear();
  in_flight_.clear();
  in_flight_total_ = 0;
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

void WebhookDispatcher::schedule() {
  // A lease outlives any attempt: a node that dies mid-attempt loses it, and others retry.
  const std::chrono::milliseconds lease = 2 * options_.attempt_timeout + std::chrono::seconds{30};
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const std::size_t free = options_.workers - std::min(options_.workers, in_flight_total_);
    // A poke is consumed even when every worker is busy: a finished attempt pokes again. Left
    // set, it would make the wait below return at once and this loop spin with the lock held,
    // starving the workers that need it to finish.
    poked_ = false;
    if (free > 0) {
      std::map<std::string, std::size_t> capacity;
      for (const auto& [endpoint, count] : in_flight_) {
        capacity[endpoint] =
            options_.per_endpoint_concurrency - std::min(options_.per_endpoint_concurrency, count);
      }
      lock.unlock();
      auto claimed = stores_.queue.claimDue(options_.node_id, now(), lease, free, capacity,
                                            options_.per_endpoint_concurrency);
      lock.lock();
      if (!claimed) {
        logger_.limited(LogLevel::Error, "claim", "cannot read due webhook deliveries",
                        {{"error", claimed.error().toString()}});
      } else {
        for (auto& job : *claimed) {
          ++in_flight_[job.delivery.endpoint_id];
          ++in_flight_total_;
          jobs_.push_back(std::move(job));
        }
        if (!claimed->empty()) {
          worker_wake_.notify_all();
        }
      }
    }
    // A poke (new deliveries, or a finished attempt freeing capacity) or the poll interval.
    scheduler_wake_.wait_for(lock, options_.poll_interval, [&] { return stopping_ || poked_; });
  }
}

void WebhookDispatcher::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    worker_wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) {
      return;
    }
    const ClaimedDelivery job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    deliver(job);
    lock.lock();
    if (auto it = in_flight_.find(job.delivery.endpoint_id); it != in_flight_.end()) {
      if (--it->second == 0) {
        in_flight_.erase(it);
      }
    }
    --in_flight_total_;
    // Capacity freed: there may be more due deliveries waiting for it.
    poked_ = true;
    scheduler_wake_.notify_one();
  }
}

Status WebhookDispatcher::disableEndpoint(const std::string& endpoint_id,
                                          const std::string& reason,
                                          UtcMillis at) {
  return stores_.work.transaction([&]() -> Status {
    auto disabled = stores_.endpoints.disableEndpoint(endpoint_id, reason, at);
    if (!disabled || !*disabled) {
      return disabled ? Status{} : Status(disabled.error());  // disabled already: one event
    }
    // For the operator and the API, and the tenant's other endpoints subscribed to it; the
    // endpoint just disabled is not sent it.
    auto recorded = stores_.outbox.record(
        (*disabled)->tenant_id, events::endpointDisabled(endpoint_id, (*disabled)->url, reason, at),
        at);
    return recorded ? Status{} : Status(recorded.error());
  });
}

void WebhookDispatcher::deliver(const ClaimedDelivery& claimed) {
  const Delivery& delivery = claimed.delivery;
  const WebhookEndpoint& target = claimed.endpoint;
  const UtcMillis started = now();
  std::vector<std::string> secrets{target.secret};
  if (!target.previous_secret.empty() && target.previous_secret_expires > started) {
    secrets.push_back(target.previous_secret);
  }
  auto headers =
      signRequest(secrets, delivery.event_id, delivery.event_type,
                  std::chrono::floor<std::chrono::seconds>(started).time_since_epoch().count(),
                  delivery.body, options_.user_agent);
  HttpAttemptResult result;
  if (!headers) {
    result.error = "cannot sign: " + headers.error().message;
  } else {
    result = http_.post(target.url, headers->headers, delivery.body);
  }
  const UtcMillis finished = now();
  DeliveryAttempt attempt;
  attempt.attempt = delivery.attempt_count + 1;
  attempt.at = started;
  attempt.status_code = result.status;
  attempt.latency_ms = result.latency.count();
  attempt.error = describeAttempt(result);
  attempt.response_excerpt = result.excerpt;
  AttemptDecision decision;
  {
    const std::lock_guard lock(mutex_);
    decision = decideAfterAttempt(delivery, result, finished, target.failing_since, options_.retry,
                                  jitter_);
    ++stats_.attempts;
    stats_.latency_ms_total += static_cast<std::uint64_t>(attempt.latency_ms);
    for (std::size_t i = 0; i < kLatencyBucketsMs.size(); ++i) {
      if (attempt.latency_ms <= kLatencyBucketsMs[i]) {
        ++stats_.latency_le[i];
      }
    }
    switch (decision.outcome.kind) {
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
  if (auto recorded = stores_.queue.recordAttempt(options_.node_id, delivery.id, attempt,
                                                  decision.outcome, finished);
      !recorded) {
    // The lease lapses and the delivery is attempted again: at least once, never lost.
    logger_.limited(
        LogLevel::Error, "record", "cannot record a webhook attempt",
        {{"delivery", std::to_string(delivery.id)}, {"error", recorded.error().toString()}});
  }
  if (decision.outcome.kind == AttemptOutcome::Kind::Failed) {
    logger_.warn("webhook delivery failed for good", {{"endpoint", delivery.endpoint_id},
                                                      {"event", delivery.event_id},
                                                      {"reason", decision.outcome.reason}});
  } else if (decision.outcome.kind == AttemptOutcome::Kind::Retry) {
    logger_.limited(LogLevel::Info, "retry/" + delivery.endpoint_id, "webhook attempt failed",
                    {{"endpoint", delivery.endpoint_id},
                     {"event", delivery.event_id},
                     {"attempt", std::to_string(attempt.attempt)},
                     {"error", attempt.error}});
  }
  if (decision.disable_endpoint) {
    if (auto disabled = disableEndpoint(delivery.endpoint_id, decision.disable_reason, finished);
        !disabled) {
      logger_.error("cannot disable a failing webhook endpoint",
                    {{"endpoint", delivery.endpoint_id}, {"error", disabled.error().toString()}});
    } else {
      logger_.warn("webhook endpoint disabled",
                   {{"endpoint", delivery.endpoint_id}, {"reason", decision.disable_reason}});
      const std::lock_guard lock(mutex_);
      ++stats_.endpoints_disabled;
    }
  }
}

}  // namespace punchlink::relay::webhooks
