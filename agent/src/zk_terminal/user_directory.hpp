// The terminal's users by internal index (uid). Some record and event forms carry only the uid
// (reference §5.1, §6.3), and user writes address a uid, so the session keeps this map current.
// Used by the device thread only.
#pragma once

#include "zk_net/zk_client.hpp"

#include <punchlink/common/result.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace punchlink::agent::zk_terminal {

class UserDirectory {
 public:
  // Reads every user from the terminal, replacing what was known.
  Status refresh(zk_net::ZkClient& client);

  // The user id of a punch: the one reported, else the one of its uid, else the uid as text, so
  // the same punch gets the same user id (and event id) whichever form it arrived in.
  std::string resolve(const std::string& reported, std::uint16_t uid) const;

  // The uid of `user_id`, from a fresh read of the terminal's users. When it is absent: with
  // `allocate` the next free uid, else NotFound. Unavailable when no uid is left.
  Result<std::uint16_t> uidOf(zk_net::ZkClient& client, const std::string& user_id, bool allocate);

  // What a successful write or delete changed on the terminal.
  void set(std::uint16_t uid, std::string user_id);
  void erase(std::uint16_t uid);

 private:
  std::map<std::uint16_t, std::string> user_ids_;
};

}  // namespace punchlink::agent::zk_terminal
