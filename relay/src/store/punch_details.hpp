// What a stored punch keeps besides its columns (the `payload` column of `punches`): the fields
// no query filters or orders by. The columns (event id, device, user, times, type, method) are
// not repeated here, so a punch is stored once. Rows written before hold the whole punch as the
// agent sent it; readers take the columns first and the rest from here, so both read the same.
#pragma once

#include <punchlink/contract/punch_batch.hpp>

#include <string>

namespace punchlink::relay {

// Compact JSON: {"device_name","time_zone","state","verify","workcode","source"} and, when the
// terminal gave them, "temperature", "mask_detected", "flags".
std::string encodePunchDetails(const contract::Punch& punch);

}  // namespace punchlink::relay
