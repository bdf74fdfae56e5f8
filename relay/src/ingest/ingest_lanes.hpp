// Spreads agents' messages over lanes, each a thread that hands them to ingest in the order they
// came, all that waited on the lane at once (so ingest can store them in one commit); every
// message of one site goes to the same lane. Sites are then stored at once, each
// lane over its own database connection (PostgreSQL), while a site's messages keep their order.
// The MQTT client's thread only queues: a full lane makes it wait, and the broker holds back.
// Queued messages lost in a crash were never acked: their agents send them again.
#pragma once

#include <punchlink/common/publisher.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace punchlink::relay {

// What one lane queues before post() waits: messages, and their bytes (topics and payloads), so
// a few large messages cannot hold much memory either. A message is always taken by an empty
// lane.
struct LaneLimits {
  std::size_t messages = 64;
  std::size_t bytes = std::size_t{16} << 20U;
};

class IngestLanes {
 public:
  // Called with what waited on the lane, oldest first: at least one message, at most the
  // limits.
  using Handler = std::function<void(const std::vector<mqtt_client::MqttMessage>&)>;

  // `lanes` threads (at least one), each queueing within `limits`, calling `handle`.
  IngestLanes(std::size_t lanes, LaneLimits limits, Handler handle);
  ~IngestLanes();
  IngestLanes(const IngestLanes&) = delete;
  IngestLanes& operator=(const IngestLanes&) = delete;
  IngestLanes(IngestLanes&&) = delete;
  IngestLanes& operator=(IngestLanes&&) = delete;

  // Queues `message` on its site's lane, waiting while that lane is full.
  void post(mqtt_client::MqttMessage message);
  // Finishes the message each lane is handling, drops the queued rest, joins the threads.
  void stop();

  // The lane of a topic: its site's (the same for every topic of one site).
  std::size_t laneOf(const std::string& topic) const;

 private:
  struct Lane {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<mqtt_client::MqttMessage> queue;
    std::size_t bytes = 0;  // of the queue
    bool stopping = false;
    std::thread thread;
  };

  void run(Lane& lane);

  LaneLimits limits_;
  Handler handle_;
  std::vector<std::unique_ptr<Lane>> lanes_;
};

}  // namespace punchlink::relay
