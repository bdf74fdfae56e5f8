// Ingest: turns agents' MQTT messages into stored rows. Punch batches are validated, committed
// in one transaction with the webhook deliveries they cause, and only then acknowledged to the
// agent (docs/mqtt-contract.md "acks"). Runs on the MQTT client's delivery thread.
#pragma once

#include "commands/command_tracker.hpp"
#include "ingest/punch_ingest.hpp"
#include "ingest/status_ingest.hpp"
#include "store/tenants.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/publisher.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::relay {

struct IngestStats {
  std::uint64_t batches = 0;
  std::uint64_t punches_stored = 0;
  std::uint64_t punches_duplicate = 0;
  std::uint64_t punches_rejected = 0;
  std::uint64_t batches_refused = 0;  // malformed or from an unregistered site: not acked
  std::uint64_t device_events_stored = 0;
  std::uint64_t punches_clock_suspect = 0;  // stored, flagged: the terminal's clock was wrong
};

// What ingest hands each kind of message to.
struct IngestTargets {
  Tenants& tenants;  // which site a message is from
  PunchIngest& punches;
  StatusIngest& statuses;
  CommandTracker& commands;
};

class IngestConsumer {
 public:
  // `acks` carries the acknowledgements back to the agents.
  IngestConsumer(IngestTargets targets,
                 mqtt_client::Publisher& acks,
                 Logger logger,
                 const Clock& clock);

  // The topic filters to subscribe to (QoS 1). Punch batches and command results come through
  // the MQTT 5 shared subscription `share_group`, so with several relay nodes each goes to one;
  // statuses are retained and idempotent, so every node takes them.
  static std::vector<std::string> subscriptions(std::string_view share_group);

  void onMessage(const mqtt_client::MqttMessage& message);
  // Messages that arrived together (what waited on an ingest lane), in order. Each run of punch
  // batches among them is stored in one transaction, one commit for the run, then each batch is
  // acked: under load a commit carries many sites' batches instead of one each.
  void onMessages(const std::vector<mqtt_client::MqttMessage>& messages);

  // Called after a commit that may have queued webhook deliveries (wakes the dispatcher).
  void setDeliveriesQueuedHandler(std::function<void()> handler) {
    deliveries_queued_ = std::move(handler);
  }

  IngestStats stats() const;

 private:
  void onPunches(const std::string& site_id, const mqtt_client::MqttMessage& message);
  // Punch batches of consecutive messages (all on the punches topic), in one commit.
  void onPunchRun(const std::vector<const mqtt_client::MqttMessage*>& run);
  // After the commit: counts, logs, and returns the ack for the agent.
  mqtt_client::MqttMessage settle(const std::string& site_id,
                                  const contract::PunchBatch& batch,
                                  const IngestOutcome& outcome);
  // Only after the commit that stored what they acknowledge.
  void sendAcks(const std::vector<mqtt_client::MqttMessage>& acks);
  void onDeviceStatus(const std::string& site_id, const std::string& payload);
  void onAgentStatus(const std::string& site_id, const std::string& payload);
  void onCommandResult(const std::string& site_id, const std::string& payload);

  void notifyDeliveries() const {
    if (deliveries_queued_) {
      deliveries_queued_();
    }
  }

  // The site a message names, if it is registered.
  std::optional<Site> registeredSite(const std::string& site_id);
  UtcMillis now() const;

  IngestTargets targets_;
  std::function<void()> deliveries_queued_;
  mqtt_client::Publisher& acks_;
  Logger logger_;
  const Clock& clock_;
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> stored_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> events_stored_{0};
  std::atomic<std::uint64_t> clock_suspect_{0};
};

}  // namespace punchlink::relay
