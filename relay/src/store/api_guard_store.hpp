// What the REST layer's guard keeps in the database, so every relay node shares it: per-key
// rate-limit windows and Idempotency-Keys.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <cstdint>
#include <string>

namespace punchlink::relay {

class ApiGuardStore {
 public:
  virtual ~ApiGuardStore() = default;
  // Counts a request of `key_id` in the fixed window starting at `window_start` and returns the
  // window's count so far.
  virtual Result<std::int64_t> hitRateLimit(const std::string& key_id, UtcMillis window_start) = 0;
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
