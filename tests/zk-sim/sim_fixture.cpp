#include "sim_fixture.hpp"

#include <punchlink/common/crypto.hpp>

#include <fstream>
#include <random>

namespace punchlink::zksim {

void generateState(SimDevice& device, const GeneratedState& spec) {
  std::mt19937_64 rng(spec.seed);
  for (std::uint32_t i = 1; i <= spec.users; ++i) {
    zk::UserRecord user;
    user.uid = static_cast<std::uint16_t>(i);
    user.user_id = std::to_string(1000 + i);
    user.name = "User " + std::to_string(i);
    user.privilege = i == 1 ? 14 : 0;
    user.card = static_cast<std::uint32_t>(rng() % 10'000'000);
    (void)device.putUser(user);
    for (std::uint32_t f = 0; f < spec.templates_per_user && f < 10; ++f) {
      zk::Bytes data(spec.template_size);
      for (auto& byte : data) {
        byte = static_cast<std::uint8_t>(rng());
      }
      // ZKFinger v10 templates start with "SS21" (§5.3).
      std::copy_n("SS21", std::min<std::size_t>(4, data.size()), data.begin());
      (void)device.putTemplate({user.uid, static_cast<std::uint8_t>(f), 1, std::move(data)});
    }
  }
  // Punches spread from 2024-01-01 onwards, a few minutes apart, in order.
  LocalSeconds time = makeLocalTime(2024, 1, 1, 7, 0, 0).value();
  for (std::uint32_t i = 0; i < spec.logs; ++i) {
    time += std::chrono::seconds{1 + static_cast<long>(rng() % 300)};
    zk::AttendanceRecord record;
    const auto uid = static_cast<std::uint16_t>(spec.users == 0 ? 0 : 1 + rng() % spec.users);
    record.uid = uid;
    record.user_id = uid == 0 ? std::to_string(1 + rng() % 1000) : std::to_string(1000 + uid);
    record.state = static_cast<std::uint8_t>(rng() % 2);
    record.verify = 1;
    record.time = time;
    device.addPunch(record);
  }
}

Status loadFixture(SimDevice& device, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return makeError(ErrorCode::InvalidInput, "cannot read fixture file " + path);
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
    for (const auto& item : doc.value("users", nlohmann::json::array())) {
      zk::UserRecord user;
      user.uid = item.at("uid").get<std::uint16_t>();
      user.user_id = item.at("user_id").get<std::string>();
      user.name = item.value("name", "");
      user.privilege = item.value("privilege", std::uint8_t{0});
      user.password = item.value("password", "");
      user.card = item.value("card", std::uint32_t{0});
      user.group = item.value("group", std::uint8_t{1});
      if (auto added = device.putUser(user); !added) {
        return makeError(ErrorCode::InvalidInput,
                         path + ": user " + user.user_id + ": " + added.error().message);
      }
      for (const auto& tmpl : item.value("templates", nlohmann::json::array())) {
        auto data = crypto::base64Decode(tmpl.at("data").get<std::string>());
        if (!data) {
          return makeError(ErrorCode::InvalidInput,
                           path + ": user " + user.user_id + ": template: " + data.error().message);
        }
        (void)device.putTemplate({user.uid, tmpl.value("finger", std::uint8_t{0}),
                                  tmpl.value("valid", std::uint8_t{1}), std::move(data.value())});
      }
    }
    for (const auto& item : doc.value("attendance", nlohmann::json::array())) {
      zk::AttendanceRecord record;
      record.user_id = item.at("user_id").get<std::string>();
      auto time = parseLocalTime(item.at("time").get<std::string>());
      if (!time) {
        return makeError(ErrorCode::InvalidInput, path + ": attendance: " + time.error().message);
      }
      record.time = *time;
      record.state = item.value("state", std::uint8_t{0});
      record.verify = item.value("verify", std::uint8_t{1});
      record.workcode = item.value("workcode", std::uint32_t{0});
      device.addPunch(record);
    }
  } catch (const nlohmann::json::exception& error) {
    return makeError(ErrorCode::InvalidInput, path + ": " + error.what());
  }
  return {};
}

nlohmann::json attendanceJson(const zk::AttendanceRecord& record) {
  return {{"uid", record.uid},
          {"user_id", record.user_id},
          {"state", record.state},
          {"verify", record.verify},
          {"time", formatLocalTime(record.time)},
          {"workcode", record.workcode}};
}

nlohmann::json userJson(const SimUser& user, bool with_templates) {
  nlohmann::json out = {{"uid", user.record.uid},           {"user_id", user.record.user_id},
                        {"name", user.record.name},         {"privilege", user.record.privilege},
                        {"password", user.record.password}, {"card", user.record.card},
                        {"group", user.record.group},       {"templates", user.templates.size()}};
  nlohmann::json fingers = nlohmann::json::array();
  for (const auto& [finger, record] : user.templates) {
    nlohmann::json item = {
        {"finger", finger}, {"valid", record.valid}, {"size", record.data.size()}};
    if (with_templates) {
      item["data"] = crypto::base64Encode(record.data);
    }
    fingers.push_back(std::move(item));
  }
  out["fingers"] = std::move(fingers);
  return out;
}

}  // namespace punchlink::zksim
