#include "ingest_consumer.hpp"

#include "ingest/punch_batch.hpp"

#include <nlohmann/json.hpp>

namespace punchlink::relay {

IngestConsumer::IngestConsumer(Store& store,
                               mqtt_client::MqttClient& mqtt,
                               std::string share_group,
                               Logger logger,
                               const Clock& clock)
    : store_(store),
      mqtt_(mqtt),
      share_group_(std::move(share_group)),
      logger_(std::move(logger)),
      clock_(clock) {}

Status IngestConsumer::subscribe() {
  // Punch batches through a shared subscription: with several relay nodes each batch goes to one.
  if (auto done = mqtt_.subscribe("$share/" + share_group_ + "/punchlink/v1/sites/+/punches", 1,
                                  std::chrono::seconds{5});
      !done) {
    return done;
  }
  if (auto done =
          mqtt_.subscribe("$share/" + share_group_ + "/punchlink/v1/sites/+/command-results", 1,
                          std::chrono::seconds{5});
      !done) {
    return done;
  }
  // Status messages are retained and idempotent: every node takes them.
  if (auto done = mqtt_.subscribe("punchlink/v1/sites/+/status", 1, std::chrono::seconds{5});
      !done) {
    return done;
  }
  return mqtt_.subscribe("punchlink/v1/sites/+/devices/+/status", 1, std::chrono::seconds{5});
}

IngestStats IngestConsumer::stats() const {
  return {batches_.load(), stored_.load(), duplicates_.load(), rejected_.load(), refused_.load()};
}

void IngestConsumer::onMessage(const mqtt_client::MqttMessage& message) {
  const std::string site_id = siteOfTopic(message.topic);
  if (site_id.empty()) {
    return;
  }
  if (message.topic.ends_with("/punches")) {
    onPunches(site_id, message);
  } else if (message.topic.ends_with("/command-results")) {
    onCommandResult(site_id, message.payload);
  } else if (message.topic.ends_with("/status") &&
             message.topic.find("/devices/") != std::string::npos) {
    onDeviceStatus(site_id, message.payload);
  } else if (message.topic == "punchlink/v1/sites/" + site_id + "/status") {
    onAgentStatus(site_id, message.payload);
  }
}

void IngestConsumer::onAgentStatus(const std::string& site_id, const std::string& payload) {
  const auto doc = nlohmann::json::parse(payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("online") ||
      !doc["online"].is_boolean()) {
    logger_.limited(LogLevel::Warning, "ingest-agent/" + site_id,
                    "ignoring a malformed agent status", {{"site", site_id}});
    return;
  }
  auto site = store_.findSite(site_id);
  if (!site || !site->has_value()) {
    return;  // an unregistered site: its punches are refused and logged already
  }
  const bool online = doc["online"].get<bool>();
  if (auto recorded = store_.recordAgentStatus(
          **site, payload, online, std::chrono::floor<std::chrono::seconds>(clock_.now()));
      !recorded) {
    logger_.limited(LogLevel::Warning, "ingest-agent-store", "cannot record agent status",
                    {{"error", recorded.error().toString()}});
    return;
  }
  if (!online) {
    logger_.info("site's agent went offline",
                 {{"site", site_id}, {"reason", doc.value("reason", std::string())}});
  }
  notifyDeliveries();
}

void IngestConsumer::onPunches(const std::string& site_id,
                               const mqtt_client::MqttMessage& message) {
  ++batches_;
  auto batch = parsePunchBatch(message.payload, site_id);
  if (!batch) {
    ++refused_;
    logger_.limited(LogLevel::Warning, "ingest-bad/" + site_id, "refused a punch batch",
                    {{"site", site_id}, {"error", batch.error().message}});
    return;
  }
  auto site = store_.findSite(site_id);
  if (!site || !site->has_value()) {
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
  const auto now = std::chrono::floor<std::chrono::seconds>(clock_.now());
  auto outcome = store_.ingest(**site, *batch, now);
  if (!outcome) {
    logger_.limited(LogLevel::Error, "ingest-store", "cannot store punches; the agent will resend",
                    {{"site", site_id}, {"error", outcome.error().toString()}});
    return;
  }
  if (outcome->deliveries_queued > 0) {
    notifyDeliveries();  // before the ack: webhook latency does not wait for the broker
  }
  stored_ += outcome->stored_new;
  duplicates_ += outcome->acked.size() - outcome->stored_new;
  rejected_ += outcome->rejected.size();
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& item : outcome->rejected) {
    rejected.push_back({{"event_id", item.event_id}, {"reason", item.reason}});
    logger_.limited(LogLevel::Warning, "ingest-rejected/" + site_id, "rejected a punch",
                    {{"site", site_id}, {"event_id", item.event_id}, {"reason", item.reason}});
  }
  // Acknowledge only now, after the commit.
  const nlohmann::json ack = {
      {"batch_id", batch->batch_id}, {"acked", outcome->acked}, {"rejected", rejected}};
  if (auto sent = mqtt_.publish(
          {"punchlink/v1/sites/" + site_id + "/acks", ack.dump(), 1, false, "", batch->batch_id},
          std::chrono::seconds{10});
      !sent) {
    logger_.limited(LogLevel::Warning, "ingest-ack", "cannot send an ack; the agent will resend",
                    {{"site", site_id}, {"error", sent.error().toString()}});
  }
  if (outcome->stored_new > 0) {
    logger_.debug("stored punches", {{"site", site_id},
                                     {"new", std::to_string(outcome->stored_new)},
                                     {"deliveries", std::to_string(outcome->deliveries_queued)}});
  }
}

void IngestConsumer::onCommandResult(const std::string& site_id, const std::string& payload) {
  const auto doc = nlohmann::json::parse(payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("command_id") ||
      !doc["command_id"].is_string() || !doc.contains("status") || !doc["status"].is_string()) {
    logger_.limited(LogLevel::Warning, "ingest-result/" + site_id,
                    "ignoring a malformed command result",
                    {{"site", site_id}, {"payload", payload.substr(0, 200)}});
    return;
  }
  const std::string status = doc["status"].get<std::string>();
  if (status != "succeeded" && status != "failed") {
    return;
  }
  const std::string error = doc.contains("error") && doc["error"].is_string()
                                ? doc["error"].get<std::string>()
                                : std::string();
  const std::string result = doc.contains("result") ? doc["result"].dump() : std::string();
  // Scoped by site: an agent can only finish commands that were sent to its own site.
  if (auto updated = store_.updateCommand(site_id, doc["command_id"].get<std::string>(), status,
                                          error, result);
      !updated) {
    logger_.limited(LogLevel::Warning, "ingest-result-store", "cannot record a command result",
                    {{"error", updated.error().toString()}});
    return;
  }
  notifyDeliveries();
}

void IngestConsumer::onDeviceStatus(const std::string& site_id, const std::string& payload) {
  const auto doc = nlohmann::json::parse(payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("serial") ||
      !doc["serial"].is_string() || doc["serial"].get<std::string>().empty() ||
      doc["serial"].get<std::string>().size() > 64) {
    return;  // status before the first connect names no serial yet
  }
  auto site = store_.findSite(site_id);
  if (!site || !site->has_value()) {
    return;
  }
  const bool online = doc.value("online", false);
  if (auto recorded =
          store_.recordDeviceStatus(**site, doc["serial"].get<std::string>(), payload, online,
                                    std::chrono::floor<std::chrono::seconds>(clock_.now()));
      !recorded) {
    logger_.limited(LogLevel::Warning, "ingest-status", "cannot record device status",
                    {{"error", recorded.error().toString()}});
    return;
  }
  notifyDeliveries();
}

}  // namespace punchlink::relay
