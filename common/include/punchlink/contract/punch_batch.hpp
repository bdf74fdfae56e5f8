// Punches from the agent to the relay (docs/mqtt-contract.md "punches"): one punch's JSON as the
// agent's outbox keeps it, the batch that carries many, and the relay's decoder, which sorts a
// batch into the punches worth storing and those it rejects (with reasons). Pure.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/contract/device_event.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
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
  // From terminals that measure them: body temperature in °C and whether a mask was seen.
  std::optional<double> temperature{};
  std::optional<bool> mask_detected{};
  // Doubts about the punch, e.g. kClockSuspect; empty for almost every punch.
  std::vector<std::string> flags{};

  friend bool operator==(const Punch&, const Punch&) = default;
};

// The terminal's clock cannot have been right when it stamped the punch: in 2000 or before, more
// than a day ahead of the agent's clock, or in a daylight-saving gap of its zone. The punch is
// kept.
inline constexpr std::string_view kClockSuspect = "clock_suspect";

// Body temperatures outside this range (°C) are measuring errors, not readings.
inline constexpr double kMinTemperature = 20.0;
inline constexpr double kMaxTemperature = 50.0;

// One punch as compact JSON, keys in the documented order (what the outbox stores and batches
// carry verbatim).
std::string encodePunch(const Punch& punch);

// The same without the fields a store keeps in columns of their own (event id, device serial,
// user, timestamp, local time, type, method): what the relay stores beside its columns, so no
// field is stored twice.
std::string encodePunchDetails(const Punch& punch);

struct PunchBatchHeader {
  std::string site_id;
  std::string batch_id;  // also the message's MQTT 5 correlation data
  std::string sent_at;   // RFC 3339
};

// A batch around punches already encoded by encodePunch (the outbox rows), and device events
// encoded by encodeDeviceEvent, without decoding them; "events" only when there are some.
std::string encodePunchBatch(const PunchBatchHeader& header,
                             std::span<const std::string> encoded_punches,
                             std::span<const std::string> encoded_events = {});

// A punch the relay takes, and its payload to store: encodePunch of what was validated, so a key
// the contract does not know never reaches the API or a webhook.
struct ReceivedPunch {
  Punch punch;
  std::string payload;
};

// A device event the relay takes, and its payload to store: encodeDeviceEvent of what was
// validated.
struct ReceivedDeviceEvent {
  DeviceEvent event;
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
  std::vector<ReceivedDeviceEvent> events;
  std::vector<RejectedPunch> rejected;  // punches and events, by event id
};

// "evt_" followed by 24 lowercase hex digits.
bool isValidEventId(std::string_view id) noexcept;

// Errors for a payload that is not a batch at all (nothing can be acked); PermissionDenied when
// it names another site than the topic it came on. Bad punches and events land in `rejected`,
// among them one whose event_id is not the one its fields give; one without a usable event id
// cannot be named, so it is left out of all three.
Result<PunchBatch> decodePunchBatch(std::string_view payload, std::string_view topic_site);

}  // namespace punchlink::contract
