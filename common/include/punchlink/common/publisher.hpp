// Publisher: what components that send MQTT messages need of a connection (the uplink, ingest's
// acks, command sending), so they can be tested against an in-memory fake instead of a broker.
// MqttClient implements it.
#pragma once

#include <punchlink/common/result.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace punchlink::mqtt_client {

struct MqttMessage {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = false;
  // MQTT 5 request/response properties; empty when absent.
  std::string response_topic;
  std::string correlation_data;
};

// What a message weighs in a queue's byte bound: its topic and payload.
inline std::size_t queuedBytes(const MqttMessage& message) {
  return message.topic.size() + message.payload.size();
}

class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual bool isConnected() const = 0;
  // Publishes and waits for the broker's acknowledgement (PUBACK for QoS 1). Unavailable when
  // not connected; PermissionDenied when the broker's ACL refuses the topic.
  virtual Status publish(const MqttMessage& message, std::chrono::milliseconds timeout) = 0;

  // Publishes every message, then waits for their acknowledgements: one round trip for all
  // rather than one each. The result has one status per message, in order. This default
  // publishes one at a time; MqttClient pipelines them.
  virtual std::vector<Status> publishAll(const std::vector<MqttMessage>& messages,
                                         std::chrono::milliseconds timeout) {
    std::vector<Status> sent;
    sent.reserve(messages.size());
    for (const auto& message : messages) {
      sent.push_back(publish(message, timeout));
    }
    return sent;
  }
};

}  // namespace punchlink::mqtt_client
