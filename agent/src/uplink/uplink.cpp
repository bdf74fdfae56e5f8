#include "uplink.hpp"

#include "uplink/token_bucket.hpp"

#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/ack.hpp>
#include <punchlink/contract/punch_batch.hpp>

namespace punchlink::agent {

Uplink::Uplink(const UplinkConfig& config,
               std::string site_id,
               Outbox& outbox,
               mqtt_client::Publisher& mqtt,
               Logger logger,
               const Clock& clock)
    : config_(config),
      site_id_(std::move(site_id)),
      topics_(site_id_),
      outbox_(outbox),
      mqtt_(mqtt),
      logger_(std::move(logger)),
      clock_(clock) {}

Uplink::~Uplink() { stop(std::chrono::milliseconds{0}); }

void Uplink::start() {
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

void Uplink::stop(std::chrono::milliseconds flush_for) {
  if (!thread_.joinable()) {
    return;
  }
  thread_.request_stop();
  wake();
  thread_.join();
  // Graceful shutdown: one last bounded attempt so little is left for the next start.
  const auto deadline = clock_.steadyNow() + flush_for;
  while (clock_.steadyNow() < deadline && mqtt_.isConnected() &&
         publishBatch(true, config_.batch_size) > 0) {
  }
}

void Uplink::wake() {
  {
    const std::lock_guard lock(mutex_);
    pending_wake_ = true;
  }
  wake_.notify_all();
}

std::int64_t Uplink::nowMs() const { return epochMillis(clock_.now()); }

UplinkStats Uplink::stats() const {
  const std::lock_guard lock(stats_mutex_);
  return stats_;
}

void Uplink::onAck(const std::string& payload) {
  auto ack = contract::decodeAck(payload);
  if (!ack) {
    logger_.limited(LogLevel::Warning, "uplink-bad-ack", "ignoring malformed ack from the relay",
                    {{"error", ack.error().message}, {"payload", payload.substr(0, 200)}});
    return;
  }
  std::vector<std::string> ids = std::move(ack->acked);
  // Rejected punches are final too: the relay has looked at them and will never take them.
  const std::size_t rejected = ack->rejected.size();
  for (auto& item : ack->rejected) {
    logger_.warn("relay rejected a punch", {{"event_id", item.event_id}, {"reason", item.reason}});
    ids.push_back(std::move(item.event_id));
  }
  auto acked = outbox_.acknowledge(ids, nowMs());
  if (!acked) {
    logger_.error("cannot record acknowledgement", {{"error", acked.error().toString()}});
    return;
  }
  {
    const std::lock_guard lock(stats_mutex_);
    stats_.punches_acked += *acked;
    stats_.punches_rejected += rejected;
  }
  wake();  // the next batch may be due now
}

std::size_t Uplink::publishBatch(bool flush, std::size_t limit) {
  auto rows = outbox_.nextBatch(limit, nowMs() - config_.ack_timeout.count());
  if (!rows) {
    logger_.limited(LogLevel::Error, "uplink-outbox", "cannot read the outbox",
                    {{"error", rows.error().toString()}});
    return 0;
  }
  if (rows->empty()) {
    return 0;
  }
  // Batch by count and by time: a partial batch waits until its oldest row is batch_delay old.
  const bool full = rows->size() >= limit;
  const bool old_enough = nowMs() - rows->front().created_ms >= config_.batch_delay.count();
  if (!flush && !full && !old_enough && !rows->front().resend) {
    return 0;
  }
  const std::string batch_id =
      site_id_ + "-" + std::to_string(nowMs()) + "-" + std::to_string(++batch_counter_);
  std::vector<std::string> ids;
  std::vector<std::string> payloads;
  std::vector<std::string> events;
  ids.reserve(rows->size());
  payloads.reserve(rows->size());
  for (auto& row : *rows) {
    ids.push_back(std::move(row.event_id));
    (row.kind == OutboxKind::DeviceEvent ? events : payloads).push_back(std::move(row.payload));
  }
  std::string body = contract::encodePunchBatch(
      {site_id_, batch_id, formatRfc3339(std::chrono::floor<std::chrono::seconds>(clock_.now()))},
      payloads, events);
  mqtt_client::MqttMessage message{topics_.punches(), std::move(body), 1, false, "", batch_id};
  if (auto published = mqtt_.publish(message, std::chrono::seconds{10}); !published) {
    logger_.limited(LogLevel::Warning, "uplink-publish", "cannot publish punches; will retry",
                    {{"error", published.error().toString()}});
    return 0;
  }
  if (auto marked = outbox_.markSent(ids, nowMs()); !marked) {
    logger_.error("cannot mark punches as sent", {{"error", marked.error().toString()}});
  }
  const std::lock_guard lock(stats_mutex_);
  ++stats_.batches_sent;
  stats_.punches_sent += ids.size();
  return ids.size();
}

void Uplink::run(const std::stop_token& stop) {
  TokenBucket bucket(config_.drain_rate, static_cast<double>(config_.drain_burst),
                     clock_.steadyNow());
  while (!stop.stop_requested()) {
    std::chrono::milliseconds wait = config_.batch_delay;
    if (mqtt_.isConnected()) {
      const std::size_t tokens = std::min(bucket.available(clock_.steadyNow()), config_.batch_size);
      if (tokens > 0) {
        const std::size_t sent = publishBatch(false, tokens);
        bucket.consume(sent);
        if (sent > 0) {
          continue;  // more may be waiting
        }
      } else {
        wait = std::min(wait, bucket.untilNext(clock_.steadyNow()));
      }
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, std::max(wait, std::chrono::milliseconds{10}),
                   [this] { return pending_wake_; });
    pending_wake_ = false;
  }
}

}  // namespace punchlink::agent
