#include "punch_batch.hpp"

#include <punchlink/common/utc_time.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace punchlink::relay {

namespace {

using nlohmann::json;

bool validEventId(const std::string& id) {
  if (id.size() != 28 || id.rfind("evt_", 0) != 0) {
    return false;
  }
  for (std::size_t i = 4; i < id.size(); ++i) {
    const char c = id[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string stringField(
    const json& object, const char* key, std::size_t max, bool required, std::string& problem) {
  if (!object.contains(key) || object[key].is_null()) {
    if (required && problem.empty()) {
      problem = std::string(key) + " is missing";
    }
    return {};
  }
  if (!object[key].is_string()) {
    if (problem.empty()) {
      problem = std::string(key) + " must be a string";
    }
    return {};
  }
  std::string value = object[key].get<std::string>();
  if ((required && value.empty()) || value.size() > max) {
    if (problem.empty()) {
      problem = std::string(key) + " must be 1 to " + std::to_string(max) + " characters";
    }
    return {};
  }
  // Control characters have no place in ids and names, and PostgreSQL cannot store NUL: such a
  // punch is rejected with a reason rather than failing its whole batch at the database.
  if (std::any_of(value.begin(), value.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    if (problem.empty()) {
      problem = std::string(key) + " must not contain control characters";
    }
    return {};
  }
  return value;
}

int intField(const json& object, const char* key, std::string& problem) {
  if (!object.contains(key)) {
    return 0;
  }
  if (!object[key].is_number_integer() || object[key].get<long long>() < 0 ||
      object[key].get<long long>() > 100000) {
    if (problem.empty()) {
      problem = std::string(key) + " must be a small non-negative integer";
    }
    return 0;
  }
  return object[key].get<int>();
}

}  // namespace

std::string siteOfTopic(std::string_view topic) {
  constexpr std::string_view kPrefix = "punchlink/v1/sites/";
  if (topic.rfind(kPrefix, 0) != 0) {
    return {};
  }
  topic.remove_prefix(kPrefix.size());
  const auto slash = topic.find('/');
  return slash == std::string_view::npos ? std::string() : std::string(topic.substr(0, slash));
}

Result<PunchBatch> parsePunchBatch(std::string_view payload, std::string_view topic_site) {
  const json doc = json::parse(payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return makeError(ErrorCode::InvalidInput, "punch batch is not a JSON object");
  }
  PunchBatch batch;
  std::string problem;
  batch.site_id = stringField(doc, "site_id", 64, true, problem);
  batch.batch_id = stringField(doc, "batch_id", 200, true, problem);
  if (!problem.empty()) {
    return makeError(ErrorCode::InvalidInput, "punch batch: " + problem);
  }
  if (batch.site_id != topic_site) {
    return makeError(ErrorCode::PermissionDenied, "punch batch names site \"" + batch.site_id +
                                                      "\" but came on the topic of \"" +
                                                      std::string(topic_site) + "\"");
  }
  if (!doc.contains("punches") || !doc["punches"].is_array()) {
    return makeError(ErrorCode::InvalidInput, "punch batch: punches must be a list");
  }
  if (doc["punches"].size() > kMaxBatchPunches) {
    return makeError(ErrorCode::InvalidInput,
                     "punch batch of " + std::to_string(doc["punches"].size()) +
                         " punches exceeds " + std::to_string(kMaxBatchPunches));
  }
  for (const json& item : doc["punches"]) {
    if (!item.is_object()) {
      continue;  // nothing to name it by
    }
    IncomingPunch punch;
    problem.clear();
    punch.event_id = stringField(item, "event_id", 28, true, problem);
    if (!problem.empty() || !validEventId(punch.event_id)) {
      if (!punch.event_id.empty() && punch.event_id.size() <= 64) {
        batch.rejected.push_back({punch.event_id, "event_id must be evt_ and 24 hex digits"});
      }
      continue;
    }
    punch.device_serial = stringField(item, "device_serial", 64, true, problem);
    punch.device_name = stringField(item, "device_name", 100, false, problem);
    punch.user_id = stringField(item, "user_id", 64, true, problem);
    const std::string timestamp = stringField(item, "timestamp", 40, true, problem);
    punch.local_time = stringField(item, "local_time", 40, false, problem);
    punch.time_zone = stringField(item, "time_zone", 64, false, problem);
    punch.punch_type = stringField(item, "punch_type", 20, false, problem);
    punch.method = stringField(item, "method", 20, false, problem);
    punch.source = stringField(item, "source", 20, false, problem);
    punch.state = intField(item, "state", problem);
    punch.verify = intField(item, "verify", problem);
    if (problem.empty()) {
      auto parsed = parseRfc3339(timestamp);
      if (!parsed) {
        problem = "timestamp: " + parsed.error().message;
      } else {
        punch.timestamp = formatRfc3339(std::chrono::floor<std::chrono::seconds>(*parsed));
      }
    }
    if (!problem.empty()) {
      batch.rejected.push_back({punch.event_id, problem});
      continue;
    }
    punch.payload = item.dump();
    batch.punches.push_back(std::move(punch));
  }
  return batch;
}

}  // namespace punchlink::relay
