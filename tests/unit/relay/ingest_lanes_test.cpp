#include "ingest/ingest_lanes.hpp"

#include <punchlink/contract/topics.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace punchlink::relay {
namespace {

using namespace std::chrono_literals;

mqtt_client::MqttMessage punches(const std::string& site, int n) {
  return {contract::SiteTopics(site).punches(), std::to_string(n), 1, false, "", ""};
}

// Two site names whose messages go to different lanes of `lanes`.
std::pair<std::string, std::string> sitesOnTwoLanes(const IngestLanes& lanes) {
  const std::string first = "site-0";
  for (int i = 1; i < 100; ++i) {
    const std::string other = "site-" + std::to_string(i);
    if (lanes.laneOf(contract::SiteTopics(other).punches()) !=
        lanes.laneOf(contract::SiteTopics(first).punches())) {
      return {first, other};
    }
  }
  ADD_FAILURE() << "every site on one lane";
  return {first, first};
}

TEST(IngestLanes, EverySiteKeepsItsOrderAndItsLane) {
  std::mutex mutex;
  std::map<std::string, std::vector<int>> seen;
  IngestLanes lanes(4, {8}, [&](const std::vector<mqtt_client::MqttMessage>& waiting) {
    const std::lock_guard lock(mutex);
    for (const auto& message : waiting) {
      seen[message.topic].push_back(std::stoi(message.payload));
    }
  });
  // All of one site's topics on one lane, so a status never overtakes the punches before it.
  const contract::SiteTopics site("plant-1");
  EXPECT_EQ(lanes.laneOf(site.punches()), lanes.laneOf(site.commandResults()));
  EXPECT_EQ(lanes.laneOf(site.punches()), lanes.laneOf(site.status()));
  EXPECT_EQ(lanes.laneOf(site.punches()), lanes.laneOf(site.deviceStatus("SN-1")));
  for (int n = 0; n < 200; ++n) {
    for (int s = 0; s < 5; ++s) {
      lanes.post(punches("site-" + std::to_string(s), n));
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      const std::lock_guard lock(mutex);
      std::size_t total = 0;
      for (const auto& [topic, numbers] : seen) {
        total += numbers.size();
      }
      if (total == 1000) {
        break;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  lanes.stop();
  ASSERT_EQ(seen.size(), 5U);
  for (const auto& [topic, numbers] : seen) {
    ASSERT_EQ(numbers.size(), 200U) << topic;
    for (int n = 0; n < 200; ++n) {
      ASSERT_EQ(numbers[static_cast<std::size_t>(n)], n) << topic;
    }
  }
}

TEST(IngestLanes, ASlowSiteHoldsOnlyItsOwnLane) {
  std::mutex mutex;
  std::condition_variable changed;
  bool release = false;
  std::vector<std::string> handled;
  std::unique_ptr<IngestLanes> lanes;
  std::string slow;
  lanes = std::make_unique<IngestLanes>(
      2, LaneLimits{4}, [&](const std::vector<mqtt_client::MqttMessage>& waiting) {
        std::unique_lock lock(mutex);
        for (const auto& message : waiting) {
          if (message.topic == contract::SiteTopics(slow).punches()) {
            changed.wait(lock, [&] { return release; });  // a long commit
          }
          handled.push_back(message.topic);
        }
        changed.notify_all();
      });
  const auto [a, b] = sitesOnTwoLanes(*lanes);
  slow = a;
  lanes->post(punches(a, 1));
  lanes->post(punches(b, 1));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return handled.size() == 1; }));
    EXPECT_EQ(handled.front(), contract::SiteTopics(b).punches());
    release = true;
    changed.notify_all();
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return handled.size() == 2; }));
  }
  lanes->stop();
}

TEST(IngestLanes, WhatWaitedWhileTheLaneWasBusyIsHandedOverAtOnce) {
  std::mutex mutex;
  std::condition_variable changed;
  bool release = false;
  std::vector<std::size_t> calls;  // messages per call
  IngestLanes lanes(1, {64}, [&](const std::vector<mqtt_client::MqttMessage>& waiting) {
    std::unique_lock lock(mutex);
    calls.push_back(waiting.size());
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
  });
  lanes.post(punches("site-1", 0));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return calls.size() == 1; }));
  }
  for (int n = 1; n <= 10; ++n) {  // a commit is slow: ten wait for it
    lanes.post(punches("site-" + std::to_string(n % 3), n));
  }
  {
    std::unique_lock lock(mutex);
    release = true;
    changed.notify_all();
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return calls.size() == 2; }));
  }
  lanes.stop();
  EXPECT_EQ(calls, (std::vector<std::size_t>{1, 10}));
}

TEST(IngestLanes, AFullLaneMakesThePosterWaitAndStopDropsWhatIsQueued) {
  std::mutex mutex;
  std::condition_variable changed;
  bool release = false;
  bool in_hand = false;
  int handled = 0;
  IngestLanes lanes(1, {2}, [&](const std::vector<mqtt_client::MqttMessage>& waiting) {
    std::unique_lock lock(mutex);
    in_hand = true;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
    handled += static_cast<int>(waiting.size());
  });
  lanes.post(punches("site-1", 1));  // being handled
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return in_hand; }));
  }
  lanes.post(punches("site-1", 2));  // queued
  lanes.post(punches("site-1", 3));  // queued: the lane is full now
  std::atomic<bool> posted{false};
  std::thread poster([&] {
    lanes.post(punches("site-1", 4));
    posted = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(posted.load()) << "posted into a full lane";
  std::thread stopper([&] { lanes.stop(); });
  std::this_thread::sleep_for(100ms);
  {
    const std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  stopper.join();
  poster.join();
  EXPECT_TRUE(posted.load());
  EXPECT_EQ(handled, 1);  // the one in hand finished; the queued ones come again from the agent
}

TEST(IngestLanes, LargeMessagesFillALaneByTheirBytes) {
  std::mutex mutex;
  std::condition_variable changed;
  bool release = false;
  bool in_hand = false;
  std::size_t handled = 0;
  IngestLanes lanes(1, {64, 1000}, [&](const std::vector<mqtt_client::MqttMessage>& waiting) {
    std::unique_lock lock(mutex);
    in_hand = true;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
    handled += waiting.size();
    changed.notify_all();
  });
  const auto large = [](int n) {
    auto message = punches("site-1", n);
    message.payload = std::string(600, 'x');
    return message;
  };
  lanes.post(large(1));  // being handled
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return in_hand; }));
  }
  lanes.post(large(2));  // queued: an empty lane takes any message
  std::atomic<bool> posted{false};
  std::thread poster([&] {
    lanes.post(large(3));  // 1,200 bytes would be over the lane's 1,000
    posted = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(posted.load()) << "a lane took more bytes than its limit";
  {
    const std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  poster.join();
  EXPECT_TRUE(posted.load());
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(changed.wait_for(lock, 5s, [&] { return handled == 3; })) << handled;
  }
  lanes.stop();
}

}  // namespace
}  // namespace punchlink::relay
