// What the REST layer's guard keeps in the database, so every relay node shares it: per-key
// rate-limit windows and Idempotency-Keys.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace punchlink::relay {

// Requests one node counted for a key in the fixed window starting at `window_start`.
struct RateLimitHits {
  std::string key_id;
  UtcMillis window_start;
  std::int64_t hits = 0;
};

class ApiGuardStore {
 public:
  virtual ~ApiGuardStore() = default;
  // Adds each entry's hits to its window (0 only reads it), in one transaction, and returns the
  // windows' totals over every node, in the same order. Earlier windows of those keys go.
  virtual Result<std::vector<std::int64_t>> addRateLimitHits(
      std::span<const RateLimitHits> hits) = 0;
  // Claims an Idempotency-Key for a request (a hash of the request), or reports the stored first
  // response, a request still running, or a different request under the same key. Keys claimed
  // before `expired_before` are forgotten.
  virtual Result<IdempotencyClaim> claimIdempotencyKey(const std::string& key_id,
                                                       const std::string& idempotency_key,
                                                       const std::string& request_hash,
                                                       UtcMillis now,
                                                       UtcMillis expired_before) = 0;
  // Stores the response to replay; a 5xx frees the key instead, so a retry runs again.
  virtual Status finishIdempotencyKey(const std::string& key_id,
                                      const std::string& idempotency_key,
                                      int http_status,
                                      const std::string& response) = 0;
};

}  // namespace punchlink::relay
