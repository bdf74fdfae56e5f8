#include "api/stream_handler.hpp"

#include "api/record_views.hpp"

#include <punchlink/common/text.hpp>

#include <thread>

namespace punchlink::relay::api {

namespace {

constexpr std::size_t kBatch = 200;

std::string sseEvent(const char* name,
                     const StreamPosition& position,
                     const nlohmann::ordered_json& data) {
  // Compact JSON has no newlines, so one data line carries it.
  return "id: " + formatStreamPosition(position) + "\nevent: " + name +
         "\ndata: " + data.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         "\n\n";
}

}  // namespace

std::shared_ptr<StreamSlots::Slot> StreamSlots::take(const std::string& tenant_id) {
  {
    const std::lock_guard lock(mutex_);
    if (open_total_ >= total_) {
      return nullptr;
    }
    int& open = open_[tenant_id];
    if (open >= per_tenant_) {
      if (open == 0) {
        open_.erase(tenant_id);
      }
      return nullptr;
    }
    ++open;
    ++open_total_;
  }
  // Given back with the answer, however it ends (sent, cut, or never sent).
  return std::make_shared<Slot>(*this, tenant_id);
}

void StreamSlots::release(const std::string& tenant_id) {
  const std::lock_guard lock(mutex_);
  --open_total_;
  if (--open_[tenant_id] <= 0) {
    open_.erase(tenant_id);
  }
}

std::string formatStreamPosition(const StreamPosition& position) {
  return std::to_string(position.punch) + "." + std::to_string(position.event);
}

std::optional<StreamPosition> parseStreamPosition(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  const auto punch = parseInteger(text.substr(0, dot), false);
  const auto event = parseInteger(text.substr(dot + 1), false);
  if (!punch || !event) {
    return std::nullopt;
  }
  return StreamPosition{*punch, *event};
}

ApiResponse openStream(StreamApi& api, ApiRequest& request) {
  const std::string tenant_id = request.tenant_id;
  const auto device = queryParam(request, "device_id");
  const auto user = queryParam(request, "user_id");
  std::optional<StreamPosition> start;
  if (const auto resume = request.header("last-event-id"); resume && !resume->empty()) {
    start = parseStreamPosition(*resume);
    if (!start) {
      return invalidField("Last-Event-ID", "expected an id from this stream (\"<n>.<n>\")");
    }
  } else if (const auto after = queryParam(request, "after")) {
    start = parseStreamPosition(*after);
    if (!start) {
      return invalidField("after", "expected an id from this stream (\"<n>.<n>\")");
    }
  } else {
    // From now on: what is already stored is for /v1/logs and /v1/events.
    auto punch = api.punches.latestSeq(tenant_id);
    auto event = api.events.latestSeq(tenant_id);
    if (!punch || !event) {
      return errorResponse(!punch ? punch.error() : event.error());
    }
    start = StreamPosition{*punch, *event};
  }
  auto slot = api.slots->take(tenant_id);
  if (!slot) {
    ApiResponse busy = errorResponse(
        429, "too_many_streams",
        "no live stream free: this account may hold " + std::to_string(api.options.per_tenant) +
            " on this relay (" + std::to_string(api.options.total) +
            " for all accounts); close another tab's stream or retry after Retry-After");
    busy.headers.emplace_back("Retry-After", "5");
    return busy;
  }
  ApiResponse response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Accel-Buffering", "no");
  response.stream = [&api, slot = std::move(slot), tenant_id, device, user,
                     position = *start](const StreamWriter& write) mutable {
    const auto started = api.clock.steadyNow();
    auto last_write = started;
    if (!write("retry: 1000\n: " + formatStreamPosition(position) + "\n\n")) {
      return;
    }
    while (api.clock.steadyNow() - started < api.options.duration) {
      bool wrote = false;
      PunchFilter punches;
      punches.after_seq = position.punch;
      punches.device_serial = device;
      punches.user_id = user;
      punches.limit = kBatch;
      auto new_punches = api.punches.listPunches(tenant_id, punches);
      if (!new_punches) {
        return;  // the client reconnects and resumes from its last id
      }
      for (const auto& row : *new_punches) {
        position.punch = row.seq;
        if (!write(sseEvent("punch", position, punchJson(row)))) {
          return;
        }
        wrote = true;
      }
      DeviceEventFilter events;
      events.after_seq = position.event;
      events.device_serial = device;
      events.limit = kBatch;
      auto new_events = api.events.listEvents(tenant_id, events);
      if (!new_events) {
        return;
      }
      for (const auto& row : *new_events) {
        position.event = row.seq;
        const auto item = deviceEventJson(row);
        if (user && item.value("user_id", "") != *user) {
          continue;
        }
        if (!write(sseEvent("device_event", position, item))) {
          return;
        }
        wrote = true;
      }
      const auto now = api.clock.steadyNow();
      if (wrote) {
        last_write = now;
        continue;  // more may be waiting
      }
      if (!write("")) {
        return;  // the client closed: free its slot now rather than at the next heartbeat
      }
      if (now - last_write >= api.options.heartbeat) {
        if (!write(": keep-alive\n\n")) {
          return;
        }
        last_write = now;
      }
      std::this_thread::sleep_for(api.options.poll_interval);
    }
  };
  return response;
}

}  // namespace punchlink::relay::api
