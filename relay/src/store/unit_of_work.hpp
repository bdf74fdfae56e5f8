// UnitOfWork: runs several store operations as one atomic change. The store's operations called
// inside `transaction` (on the same thread) join it, so a service combines the few it needs
// (a punch, a device registration, the deliveries they cause) into one commit.
#pragma once

#include <punchlink/common/result.hpp>

#include <functional>

namespace punchlink::relay {

// Full: on disk before the commit returns. Relaxed: bookkeeping that is safe to redo (leases,
// attempt records) may be lost to a power cut, never corrupted.
enum class Durability { Full, Relaxed };

class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;
  // Runs `work` in one transaction; rolled back if it (or the commit) fails.
  virtual Status transaction(const std::function<Status()>& work,
                             Durability durability = Durability::Full) = 0;
};

}  // namespace punchlink::relay
