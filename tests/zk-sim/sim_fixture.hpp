// Initial state for zk-sim: from a JSON fixture file, or generated from a seed
// (--users N --logs M --seed S), reproducibly.
#pragma once

#include "sim_device.hpp"

#include <punchlink/common/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace punchlink::zksim {

struct GeneratedState {
  std::uint32_t users = 0;
  std::uint32_t logs = 0;
  std::uint64_t seed = 1;
  std::uint32_t templates_per_user = 1;
  std::uint32_t template_size = 512;
};

void generateState(SimDevice& device, const GeneratedState& spec);

// Fixture JSON:
// {"users":[{"uid":1,"user_id":"1001","name":"Ann","privilege":0,"password":"","card":0,
//            "templates":[{"finger":0,"data":"<base64>"}]}],
//  "attendance":[{"user_id":"1001","time":"2024-03-15 08:30:45","state":0,"verify":1}]}
Status loadFixture(SimDevice& device, const std::string& path);

// JSON views used by the control API.
nlohmann::json attendanceJson(const zk::AttendanceRecord& record);
nlohmann::json userJson(const SimUser& user, bool with_templates);

}  // namespace punchlink::zksim
