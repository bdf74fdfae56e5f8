// Validation of the agents' punch batches (docs/mqtt-contract.md "punches"). Pure: a payload
// goes in, the punches worth storing and the ones to reject (with reasons) come out.
#pragma once

#include <punchlink/common/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace punchlink::relay {

struct IncomingPunch {
  std::string event_id;
  std::string device_serial;
  std::string device_name;
  std::string user_id;
  std::string timestamp;  // RFC 3339 UTC, normalised to "…Z" seconds
  std::string local_time;
  std::string time_zone;
  int state = 0;
  int verify = 0;
  std::string punch_type;  // may be empty
  std::string method;
  std::string source;
  std::string payload;  // the punch object as received, compact JSON
};

struct RejectedPunch {
  std::string event_id;
  std::string reason;
};

struct PunchBatch {
  std::string site_id;
  std::string batch_id;
  std::vector<IncomingPunch> punches;
  std::vector<RejectedPunch> rejected;
};

constexpr std::size_t kMaxBatchPunches = 10'000;

// Errors for a payload that is not a batch at all (nothing can be acked). Individual bad punches
// land in `rejected`; a punch without a usable event id cannot be named, so it is only counted
// in the error log.
Result<PunchBatch> parsePunchBatch(std::string_view payload, std::string_view topic_site);

// The site id in "punchlink/v1/sites/<site>/<rest>", or empty.
std::string siteOfTopic(std::string_view topic);

}  // namespace punchlink::relay
