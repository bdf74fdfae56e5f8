// A tenant's users (the people enrolled on its terminals).
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  // Creates or updates by (tenant, user id); the template count never goes down.
  virtual Status upsertUser(const UserRecord& user, UtcMillis now) = 0;
  virtual Result<std::optional<UserRecord>> findUser(const std::string& tenant_id,
                                                     const std::string& user_id) = 0;
  // Users in user_id order after `after_user_id`; `limit + 1` rows tell whether more follow.
  virtual Result<std::vector<UserRecord>> listUsers(const std::string& tenant_id,
                                                    const std::string& after_user_id,
                                                    std::size_t limit) = 0;
  virtual Status deleteUser(const std::string& tenant_id, const std::string& user_id) = 0;
};

}  // namespace punchlink::relay
