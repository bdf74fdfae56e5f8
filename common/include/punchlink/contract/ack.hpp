// The relay's acknowledgement of a punch batch (docs/mqtt-contract.md "acks"): sent only after
// the commit; acked and rejected punches are both final for the agent. Pure.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/contract/punch_batch.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace punchlink::contract {

struct Ack {
  std::string batch_id;
  std::vector<std::string> acked;  // event ids committed now or before
  std::vector<RejectedPunch> rejected;

  friend bool operator==(const Ack&, const Ack&) = default;
};

std::string encodeAck(const Ack& ack);

// InvalidInput unless `acked` is a list. Entries that are not event ids are skipped, not fatal:
// the ones that are still let the agent release its rows. A rejection without a reason gets
// "unknown".
Result<Ack> decodeAck(std::string_view payload);

}  // namespace punchlink::contract
