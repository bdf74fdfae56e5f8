#include "user_directory.hpp"

#include <algorithm>

namespace punchlink::agent::zk_terminal {

Status UserDirectory::refresh(zk_net::ZkClient& client) {
  user_ids_.clear();
  auto read =
      client.readUsers([&](const zk::UserRecord& user) { user_ids_[user.uid] = user.user_id; });
  return read ? Status{} : Status{read.error()};
}

std::string UserDirectory::resolve(const std::string& reported, std::uint16_t uid) const {
  if (!reported.empty()) {
    return reported;
  }
  const auto it = user_ids_.find(uid);
  return it != user_ids_.end() ? it->second : std::to_string(uid);
}

Result<std::uint16_t> UserDirectory::uidOf(zk_net::ZkClient& client,
                                           const std::string& user_id,
                                           bool allocate) {
  if (auto refreshed = refresh(client); !refreshed) {
    return refreshed.error();
  }
  std::uint16_t highest = 0;
  for (const auto& [uid, id] : user_ids_) {
    if (id == user_id) {
      return uid;
    }
    highest = std::max(highest, uid);
  }
  if (!allocate) {
    return makeError(ErrorCode::NotFound, "user " + user_id + " is not on the terminal");
  }
  if (highest == 65535) {
    return makeError(ErrorCode::Unavailable, "no free user index on the terminal");
  }
  return static_cast<std::uint16_t>(highest + 1);
}

void UserDirectory::set(std::uint16_t uid, std::string user_id) {
  user_ids_[uid] = std::move(user_id);
}

void UserDirectory::erase(std::uint16_t uid) { user_ids_.erase(uid); }

}  // namespace punchlink::agent::zk_terminal
