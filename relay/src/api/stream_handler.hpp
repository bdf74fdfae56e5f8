// GET /v1/stream: punches and device events as they are stored, as Server-Sent Events (the
// console's live feed; any API client may use it). Read from the database by insertion order,
// so a client connected to any relay node sees every node's events. Each response ends after
// `duration` (before the listener's connection deadline) with a `retry` hint; the client comes
// back with Last-Event-ID and misses nothing. Streams per tenant are capped on each node.
#pragma once

#include "api/api_types.hpp"
#include "store/device_event_log.hpp"
#include "store/punch_ledger.hpp"

#include <punchlink/common/clock.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace punchlink::relay::api {

struct StreamOptions {
  std::chrono::milliseconds duration{std::chrono::seconds{25}};
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds heartbeat{std::chrono::seconds{10}};
  int per_tenant = 4;
  // Across all tenants on this node: streams hold an HTTP thread each, so they may never take
  // so many that API calls wait.
  int total = 16;
};

// Open streams per tenant, and in all, on this node.
class StreamSlots {
 public:
  StreamSlots(int per_tenant, int total) : per_tenant_(per_tenant), total_(total) {}

  // Held while a stream is open; gives its slot back when it goes.
  class Slot {
   public:
    Slot(StreamSlots& owner, std::string tenant_id)
        : owner_(owner), tenant_id_(std::move(tenant_id)) {}

    ~Slot() { owner_.release(tenant_id_); }

    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot(Slot&&) = delete;
    Slot& operator=(Slot&&) = delete;

   private:
    StreamSlots& owner_;
    std::string tenant_id_;
  };

  // A slot for the tenant, nullptr when it has all of its slots open or the node has no more.
  std::shared_ptr<Slot> take(const std::string& tenant_id);

 private:
  void release(const std::string& tenant_id);

  int per_tenant_;
  int total_;
  int open_total_ = 0;
  std::mutex mutex_;
  std::map<std::string, int> open_;
};

struct StreamApi {
  PunchLedger& punches;
  DeviceEventLog& events;
  const Clock& clock;
  StreamOptions options;
  std::shared_ptr<StreamSlots> slots;
};

ApiResponse openStream(StreamApi& api, ApiRequest& request);

// Where a stream stands: after these punch and event seqs ("<punch>.<event>", the SSE id).
struct StreamPosition {
  std::int64_t punch = 0;
  std::int64_t event = 0;
};

std::string formatStreamPosition(const StreamPosition& position);
std::optional<StreamPosition> parseStreamPosition(std::string_view text);

}  // namespace punchlink::relay::api
