#include "ingest_consumer.hpp"

#include <punchlink/contract/ack.hpp>
#include <punchlink/contract/agent_status.hpp>
#include <punchlink/contract/command_result.hpp>
#include <punchlink/contract/device_status.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/contract/topics.hpp>

namespace punchlink::relay {

using contract::TopicKind;

IngestConsumer::IngestConsumer(IngestTargets targets,
                               mqtt_client::Publisher& acks,
                               Logger logger,
                               const Clock& clock)
    : targets_(targets), acks_(acks), logger_(std::move(logger)), clock_(clock) {}

UtcMillis IngestConsumer::now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
}

std::optional<Site> IngestConsumer::registeredSite(const std::string& site_id) {
  auto site = targets_.tenants.findSite(site_id);
  if (!site) {
    logger_.limited(LogLevel::Warning, "ingest-site", "cannot look up a site",
                    {{"site", site_id}, {"error", site.error().toString()}});
    return std::nullopt;
  }
  return *site;
}

std::vector<std::string> IngestConsumer::subscriptions(std::string_view share_group) {
  return {contract::everySiteShared(share_group, TopicKind::Punches),
          contract::everySiteShared(share_group, TopicKind::CommandResults),
          contract::everySite(TopicKind::AgentStatus),
          contract::everySite(TopicKind::DeviceStatus)};
}

IngestStats IngestConsumer::stats() const {
  return {batches_.load(), stored_.load(),        duplicates_.load(),   rejected_.load(),
          refused_.load(), events_stored_.load(), clock_suspect_.load()};
}

void IngestConsumer::onMessage(const mqtt_client::MqttMessage& message) {
  const auto topic = contract::parseTopic(message.topic);
  if (!topic) {
    return;
  }
  switch (topic->kind) {
    case TopicKind::Punches:
      onPunches(topic->site_id, message);
      break;
    case TopicKind::CommandResults:
      onCommandResult(topic->site_id, message.payload);
      break;
    case TopicKind::DeviceStatus:
      onDeviceStatus(topic->site_id, message.payload);
      break;
    case TopicKind::AgentStatus:
      onAgentStatus(topic->site_id, message.payload);
      break;
    case TopicKind::Acks:
    case TopicKind::Commands:
      break;  // the relay's own messages to agents
  }
}

void IngestConsumer::onAgentStatus(const std::string& site_id, const std::string& payload) {
  const auto status = contract::decodeAgentStatus(payload);
  if (!status) {
    logger_.limited(LogLevel::Warning, "ingest-agent/" + site_id,
                    "ignoring a malformed agent status",
                    {{"site", site_id}, {"error", status.error().message}});
    return;
  }
  const auto site = registeredSite(site_id);
  if (!site) {
    return;  // an unregistered site: its punches are refused and logged already
  }
  // Kept as decoded and encoded again: what the relay stores has the contract's shape.
  if (auto recorded = targets_.statuses.recordAgentStatus(*site, *status, now()); !recorded) {
    logger_.limited(LogLevel::Warning, "ingest-agent-store", "cannot record agent status",
                    {{"error", recorded.error().toString()}});
    return;
  }
  if (!status->online) {
    logger_.info("site's agent went offline", {{"site", site_id}, {"reason", status->reason}});
  }
  notifyDeliveries();
}

void IngestConsumer::onPunches(const std::string& site_id,
                               const mqtt_client::MqttMessage& message) {
  ++batches_;
  auto batch = contract::decodePunchBatch(message.payload, site_id);
  if (!batch) {
    ++refused_;
    logger_.limited(LogLevel::Warning, "ingest-bad/" + site_id, "refused a punch batch",
                    {{"site", site_id}, {"error", batch.error().message}});
    return;
  }
  const auto site = registeredSite(site_id);
  if (!site) {
    // Not acked and not rejected: the agent keeps the punches and sends them again, so
    // registering the site later loses nothing.
    ++refused_;
    logger_.limited(
        LogLevel::Error, "ingest-unknown/" + site_id,
        "punches from a site that is not registered; they stay at the agent",
        {{"site", site_id},
         {"hint", "register it: punchlink-relay sites create --tenant <id> " + site_id}});
    return;
  }
  auto outcome = targets_.punches.ingest(*site, *batch, now());
  if (!outcome) {
    logger_.limited(LogLevel::Error, "ingest-store", "cannot store punches; the agent will resend",
                    {{"site", site_id}, {"error", outcome.error().toString()}});
    return;
  }
  sendAcks({settle(site_id, *batch, *outcome)});
}

mqtt_client::MqttMessage IngestConsumer::settle(const std::string& site_id,
                                                const contract::PunchBatch& batch,
                                                const IngestOutcome& outcome) {
  if (outcome.deliveries_queued > 0) {
    notifyDeliveries();  // before the ack: webhook latency does not wait for the broker
  }
  stored_ += outcome.stored_new;
  events_stored_ += outcome.events_stored;
  clock_suspect_ += outcome.clock_suspect;
  duplicates_ += outcome.acked.size() - outcome.stored_new - outcome.events_stored;
  rejected_ += outcome.rejected.size();
  for (const auto& [serial, owner] : outcome.withheld) {
    logger_.limited(LogLevel::Warning, "ingest-foreign/" + site_id + "/" + serial,
                    "punches for a terminal of another site are not taken; they stay at the agent",
                    {{"site", site_id},
                     {"device", serial},
                     {"belongs_to", owner},
                     {"hint", "if the terminal has moved, release it with PATCH /v1/devices/" +
                                  serial + " {\"site\": null}"}});
  }
  for (const auto& item : outcome.rejected) {
    logger_.limited(LogLevel::Warning, "ingest-rejected/" + site_id, "rejected a punch",
                    {{"site", site_id}, {"event_id", item.event_id}, {"reason", item.reason}});
  }
  if (outcome.stored_new > 0) {
    logger_.debug("stored punches", {{"site", site_id},
                                     {"new", std::to_string(outcome.stored_new)},
                                     {"deliveries", std::to_string(outcome.deliveries_queued)}});
  }
  return {contract::SiteTopics(site_id).acks(),
          contract::encodeAck({batch.batch_id, outcome.acked, outcome.rejected}),
          1,
          false,
          "",
          batch.batch_id};
}

void IngestConsumer::sendAcks(const std::vector<mqtt_client::MqttMessage>& acks) {
  const auto sent = acks_.publishAll(acks, std::chrono::seconds{10});
  for (std::size_t i = 0; i < acks.size(); ++i) {
    if (!sent[i]) {
      logger_.limited(LogLevel::Warning, "ingest-ack", "cannot send an ack; the agent will resend",
                      {{"topic", acks[i].topic}, {"error", sent[i].error().toString()}});
    }
  }
}

void IngestConsumer::onMessages(const std::vector<mqtt_client::MqttMessage>& messages) {
  std::vector<const mqtt_client::MqttMessage*> run;
  const auto flush = [&] {
    onPunchRun(run);
    run.clear();
  };
  for (const auto& message : messages) {
    const auto topic = contract::parseTopic(message.topic);
    if (topic && topic->kind == TopicKind::Punches) {
      run.push_back(&message);
      continue;
    }
    flush();  // a status or result after punches of its site is taken after them
    onMessage(message);
  }
  flush();
}

void IngestConsumer::onPunchRun(const std::vector<const mqtt_client::MqttMessage*>& run) {
  struct Taken {
    std::string site_id;
    const mqtt_client::MqttMessage* message;
  };

  std::vector<Taken> taken;
  std::vector<std::pair<Site, contract::PunchBatch>> batches;
  for (const auto* message : run) {
    const std::string site_id = contract::parseTopic(message->topic)->site_id;
    auto batch = contract::decodePunchBatch(message->payload, site_id);
    auto site = batch ? registeredSite(site_id) : std::nullopt;
    if (!batch || !site) {
      onPunches(site_id, *message);  // refused on its own, with its reason logged
      continue;
    }
    taken.push_back({site_id, message});
    batches.emplace_back(std::move(*site), std::move(*batch));
  }
  if (batches.size() > 1) {
    if (auto outcomes = targets_.punches.ingestAll(batches, now()); outcomes) {
      // Acked only now, after the commit, and all together: one broker round trip for the run.
      std::vector<mqtt_client::MqttMessage> acks;
      acks.reserve(batches.size());
      for (std::size_t i = 0; i < batches.size(); ++i) {
        ++batches_;
        acks.push_back(settle(taken[i].site_id, batches[i].second, (*outcomes)[i]));
      }
      sendAcks(acks);
      return;
    }
    // One of them cannot be stored: each on its own, so the others are stored and acked.
  }
  for (const auto& one : taken) {
    onPunches(one.site_id, *one.message);
  }
}

void IngestConsumer::onCommandResult(const std::string& site_id, const std::string& payload) {
  const auto result = contract::decodeCommandResult(payload);
  if (!result) {
    logger_.limited(LogLevel::Warning, "ingest-result/" + site_id,
                    "ignoring a malformed command result",
                    {{"site", site_id}, {"error", result.error().message}});
    return;
  }
  // Scoped by site: an agent can only finish commands that were sent to its own site.
  if (auto updated = targets_.commands.transition(site_id, result->command_id,
                                                  result->succeeded ? "succeeded" : "failed",
                                                  result->error, result->result_json, now());
      !updated) {
    logger_.limited(LogLevel::Warning, "ingest-result-store", "cannot record a command result",
                    {{"error", updated.error().toString()}});
    return;
  }
  notifyDeliveries();
}

void IngestConsumer::onDeviceStatus(const std::string& site_id, const std::string& payload) {
  const auto status = contract::decodeDeviceStatus(payload);
  if (!status) {
    logger_.limited(LogLevel::Warning, "ingest-status/" + site_id,
                    "ignoring a malformed device status",
                    {{"site", site_id}, {"error", status.error().message}});
    return;
  }
  if (status->serial.empty()) {
    return;  // status before the first connect names no serial yet
  }
  const auto site = registeredSite(site_id);
  if (!site) {
    return;
  }
  if (auto recorded = targets_.statuses.recordDeviceStatus(*site, *status, now()); !recorded) {
    logger_.limited(LogLevel::Warning, "ingest-status", "cannot record device status",
                    {{"error", recorded.error().toString()}});
    return;
  }
  notifyDeliveries();
}

}  // namespace punchlink::relay
