// Uplink: publishes pending outbox rows in batches (by count and by time) with QoS 1 and
// applies the relay's acknowledgements. A batch stays in the outbox until the relay acks its
// event ids; rows not acked within ack_timeout are offered again. Draining is paced by a token
// bucket so many sites reconnecting at once do not stampede the relay.
// Threads: run by its own thread; onAck() is called from the MQTT delivery thread.
#pragma once

#include "outbox/outbox.hpp"
#include "uplink/uplink_config.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/publisher.hpp>
#include <punchlink/contract/topics.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace punchlink::agent {

struct UplinkStats {
  std::uint64_t batches_sent = 0;
  std::uint64_t punches_sent = 0;
  std::uint64_t punches_acked = 0;
  std::uint64_t punches_rejected = 0;
};

class Uplink {
 public:
  Uplink(const UplinkConfig& config,
         std::string site_id,
         Outbox& outbox,
         mqtt_client::Publisher& mqtt,
         Logger logger,
         const Clock& clock);
  ~Uplink();
  Uplink(const Uplink&) = delete;
  Uplink& operator=(const Uplink&) = delete;
  Uplink(Uplink&&) = delete;
  Uplink& operator=(Uplink&&) = delete;

  void start();
  // Stops after a last attempt to publish what is pending (bounded by `flush_for`).
  void stop(std::chrono::milliseconds flush_for = std::chrono::milliseconds{2000});

  // New rows were inserted: publish soon.
  void wake();
  // An ack message from the relay (docs/mqtt-contract.md). Malformed acks are logged and ignored.
  void onAck(const std::string& payload);

  UplinkStats stats() const;

 private:
  void run(const std::stop_token& stop);
  // Publishes one batch of at most `limit` rows if one is due; returns how many it sent.
  std::size_t publishBatch(bool flush, std::size_t limit);
  std::int64_t nowMs() const;

  UplinkConfig config_;
  std::string site_id_;
  contract::SiteTopics topics_;
  Outbox& outbox_;
  mqtt_client::Publisher& mqtt_;
  Logger logger_;
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool pending_wake_ = false;
  mutable std::mutex stats_mutex_;
  UplinkStats stats_;
  std::uint64_t batch_counter_ = 0;
  std::jthread thread_;
};

}  // namespace punchlink::agent
