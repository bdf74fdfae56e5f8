// Punches from the agent to the relay (docs/mqtt-contract.md "punches"): one punch's JSON as the
// agent's outbox keeps it, the batch that carries many, and the relay's decoder, which sorts a
// batch into the punches worth storing and those it rejects (with reasons). Pure.
#pragma once

#include <punchlink/common/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::contract {

inline constexpr std::size_t kMaxBatchPunches = 10'000;

struct Punch {
  std::string event_id;  // evt_ + 24 hex digits (common/.../event_id.hpp)
  std::string device_serial;
  std::string device_name;
  std::string user_id;
  std::string timestamp;  // RFC 3339 UTC to the second, "…Z"
  std::string local_time;
  std::string time_zone;
  int state = 0;
  int verify = 0;
  std::string method;  // Fingerprint, Face, Card, Palm, Password or Other
  std::uint32_t workcode = 0;
  std::string source;      // realtime, log or push
  std::string punch_type;  // CheckIn…, empty for states without a name

  friend bool operator==(const Punch&, const Punch&) = default;
};

// One punch as compact JSON, keys in the documented order (what the outbox stores and batches
// carry verbatim).
std::string encodePunch(const Punch& punch);

struct PunchBatchHeader {
  std::string site_id;
  std::string batch_id;  // also the message's MQTT 5 correlation data
  std::string sent_at;   // RFC 3339
};

// A batch around punches already encoded by encodePunch (the outbox rows), without decoding them.
std::string encodePunchBatch(const PunchBatchHeader& header,
                             std::span<const std::string> encoded_punches);

// A punch the relay takes, with the object as it arrived (stored verbatim).
struct ReceivedPunch {
  Punch punch;
  std::string payload;
};

struct RejectedPunch {
  std::string event_id;
  std::string reason;

  friend bool operator==(const RejectedPunch&, const RejectedPunch&) = default;
};

struct PunchBatch {
  std::string site_id;
  std::string batch_id;
  std::vector<ReceivedPunch> punches;
  std::vector<RejectedPunch> rejected;
};

// "evt_" followed by 24 lowercase hex digits.
bool isValidEventId(std::string_view id) noexcept;

// Errors for a payload that is not a batch at all (nothing can be acked); PermissionDenied when
// it names another site than the topic it came on. Bad punches land in `rejected`, among them a
// punch whose event_id is not the one its serial, user and local time give; a punch without a
// usable event id cannot be named, so it is left out of both.
Result<PunchBatch> decodePunchBatch(std::string_view payload, std::string_view topic_site);

}  // namespace punchlink::contract
