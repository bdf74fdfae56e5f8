// RecordingPublisher: an in-memory Publisher for unit tests of what publishes over MQTT (the
// agent's uplink, the relay's acks and commands). It keeps every message in order and can be
// made to refuse, as a broker that is down or an ACL would. Thread-safe.
#pragma once

#include <punchlink/common/publisher.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace punchlink::testing {

class RecordingPublisher final : public mqtt_client::Publisher {
 public:
  bool isConnected() const override {
    const std::lock_guard lock(mutex_);
    return connected_;
  }

  Status publish(const mqtt_client::MqttMessage& message,
                 std::chrono::milliseconds /*timeout*/) override {
    {
      const std::lock_guard lock(mutex_);
      ++attempts_;
      changed_.notify_all();
      if (!connected_) {
        return makeError(ErrorCode::Unavailable, "not connected to the broker");
      }
      if (refuse_) {
        return makeError(ErrorCode::PermissionDenied, "the broker refused " + message.topic);
      }
      messages_.push_back(message);
    }
    changed_.notify_all();
    return {};
  }

  // Down: publish() answers Unavailable and isConnected() false.
  void setConnected(bool connected) {
    const std::lock_guard lock(mutex_);
    connected_ = connected;
  }

  // Up but every publish refused (an ACL).
  void setRefusing(bool refuse) {
    const std::lock_guard lock(mutex_);
    refuse_ = refuse;
  }

  std::vector<mqtt_client::MqttMessage> messages() const {
    const std::lock_guard lock(mutex_);
    return messages_;
  }

  // Waits (real time, up to `timeout`) until at least `count` publishes were tried, refused or
  // not: for checking that a refused one changed nothing, without sleeping a guessed time.
  bool waitForAttempts(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return attempts_ >= count; });
  }

  // Waits (real time, up to `timeout`) until at least `count` messages were published.
  bool waitFor(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool connected_ = true;
  bool refuse_ = false;
  std::size_t attempts_ = 0;
  std::vector<mqtt_client::MqttMessage> messages_;
};

}  // namespace punchlink::testing
