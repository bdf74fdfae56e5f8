// libFuzzer target for every decoder of the agent <-> relay contract (topics, punch batches,
// acks, commands, command results, agent and device statuses): whatever a broker delivers from
// any site. Bad input must give errors, never a crash; what a decoder accepts must survive
// encode → decode unchanged.
#include <punchlink/contract/ack.hpp>
#include <punchlink/contract/agent_status.hpp>
#include <punchlink/contract/command.hpp>
#include <punchlink/contract/command_result.hpp>
#include <punchlink/contract/device_event.hpp>
#include <punchlink/contract/device_status.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/contract/topics.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace punchlink::contract;

// A broken invariant is a finding: abort so libFuzzer (or the replay ctest) reports the input.
void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void fuzzTopic(std::string_view text) {
  const auto topic = parseTopic(text);
  if (!topic) {
    return;
  }
  check(isValidSiteId(topic->site_id));
  const SiteTopics site(topic->site_id);
  const std::string again = topic->kind == TopicKind::DeviceStatus
                                ? site.deviceStatus(topic->device_key)
                                : site.topic(topic->kind);
  check(again == text);
}

void fuzzPunches(std::string_view text) {
  const auto batch = decodePunchBatch(text, "site-1");
  if (!batch) {
    return;
  }
  check(batch->punches.size() + batch->events.size() + batch->rejected.size() <= kMaxBatchPunches);
  std::vector<std::string> encoded;
  for (const auto& received : batch->punches) {
    check(isValidEventId(received.punch.event_id));
    encoded.push_back(encodePunch(received.punch));
  }
  std::vector<std::string> events;
  for (const auto& received : batch->events) {
    check(deviceEventIdOf(received.event) == received.event.event_id);
    events.push_back(encodeDeviceEvent(received.event));
  }
  const auto again = decodePunchBatch(
      encodePunchBatch({batch->site_id, batch->batch_id, "2026-01-01T00:00:00Z"}, encoded, events),
      "site-1");
  check(again.ok() && again->punches.size() == batch->punches.size() &&
        again->events.size() == batch->events.size() && again->rejected.empty());
  for (std::size_t i = 0; i < batch->punches.size(); ++i) {
    check(again->punches[i].punch == batch->punches[i].punch);
  }
  for (std::size_t i = 0; i < batch->events.size(); ++i) {
    check(again->events[i].event == batch->events[i].event);
  }
}

template <typename Decode, typename Encode>
void roundTrip(std::string_view text, Decode decode, Encode encode) {
  const auto first = decode(text);
  if (!first) {
    return;
  }
  const auto second = decode(encode(*first));
  check(second.ok() && *second == *first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzzTopic(text);
  fuzzPunches(text);
  roundTrip(text, decodeAck, encodeAck);
  roundTrip(text, decodeCommand, encodeCommand);
  roundTrip(text, decodeCommandResult, encodeCommandResult);
  roundTrip(text, decodeDeviceStatus, encodeDeviceStatus);
  // The relay keeps only what it reads of an agent status; that part must round-trip.
  const auto status = decodeAgentStatus(text);
  if (status) {
    const auto again = decodeAgentStatus(encodeAgentStatus(*status));
    check(again.ok() && again->site_id == status->site_id && again->online == status->online &&
          again->reason == status->reason && again->outbox == status->outbox);
  }
  (void)peekCommandHeader(text);
  return 0;
}
