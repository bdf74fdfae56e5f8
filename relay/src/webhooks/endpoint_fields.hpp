// What a webhook endpoint's fields may hold (lengths; the event types are the event catalogue's,
// events/subscription.hpp), so the REST API and the admin commands accept the same endpoints.
#pragma once

#include <cstddef>
#include <cstdint>

namespace punchlink::relay::webhooks {

inline constexpr std::size_t kMaxUrlLength = 2048;
inline constexpr std::size_t kMaxDescriptionLength = 500;
// Events one request may carry for an endpoint that opted into batched delivery; 1, the
// default, is the single-event body. The bound keeps a request near 50 KiB.
inline constexpr std::int64_t kMaxEventsPerRequest = 100;

}  // namespace punchlink::relay::webhooks
