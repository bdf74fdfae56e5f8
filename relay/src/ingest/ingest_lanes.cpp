#include "ingest/ingest_lanes.hpp"

#include <punchlink/contract/topics.hpp>

#include <algorithm>
#include <iterator>
#include <string_view>

namespace punchlink::relay {

IngestLanes::IngestLanes(std::size_t lanes, LaneLimits limits, Handler handle)
    : limits_{std::max<std::size_t>(1, limits.messages), limits.bytes}, handle_(std::move(handle)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, lanes); ++i) {
    lanes_.push_back(std::make_unique<Lane>());
  }
  for (auto& lane : lanes_) {
    lane->thread = std::thread([this, &lane = *lane] { run(lane); });
  }
}

IngestLanes::~IngestLanes() { stop(); }

std::size_t IngestLanes::laneOf(const std::string& topic) const {
  const auto parsed = contract::parseTopic(topic);
  const std::string_view site = parsed ? std::string_view(parsed->site_id) : std::string_view();
  return std::hash<std::string_view>{}(site) % lanes_.size();
}

void IngestLanes::post(mqtt_client::MqttMessage message) {
  Lane& lane = *lanes_[laneOf(message.topic)];
  {
    std::unique_lock lock(lane.mutex);
    const std::size_t size = mqtt_client::queuedBytes(message);
    lane.changed.wait(lock, [&] {
      return lane.stopping || lane.queue.empty() ||
             (lane.queue.size() < limits_.messages && lane.bytes + size <= limits_.bytes);
    });
    if (lane.stopping) {
      return;  // never acked: its agent sends it again
    }
    lane.bytes += size;
    lane.queue.push_back(std::move(message));
  }
  lane.changed.notify_all();
}

void IngestLanes::stop() {
  for (auto& lane : lanes_) {
    {
      const std::lock_guard lock(lane->mutex);
      lane->stopping = true;
    }
    lane->changed.notify_all();
  }
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) {
      lane->thread.join();
    }
  }
}

void IngestLanes::run(Lane& lane) {
  std::unique_lock lock(lane.mutex);
  while (true) {
    lane.changed.wait(lock, [&] { return lane.stopping || !lane.queue.empty(); });
    if (lane.stopping) {
      return;
    }
    std::vector<mqtt_client::MqttMessage> waiting(std::make_move_iterator(lane.queue.begin()),
                                                  std::make_move_iterator(lane.queue.end()));
    lane.queue.clear();
    lane.bytes = 0;
    lock.unlock();
    lane.changed.notify_all();  // room for a waiting post()
    handle_(waiting);
    lock.lock();
  }
}

}  // namespace punchlink::relay
