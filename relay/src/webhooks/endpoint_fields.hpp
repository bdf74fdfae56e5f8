// What a webhook endpoint's fields may hold (lengths; the event types are the event catalogue's,
// events/subscription.hpp), so the REST API and the admin commands accept the same endpoints.
#pragma once

#include <cstddef>

namespace punchlink::relay::webhooks {

inline constexpr std::size_t kMaxUrlLength = 2048;
inline constexpr std::size_t kMaxDescriptionLength = 500;

}  // namespace punchlink::relay::webhooks
