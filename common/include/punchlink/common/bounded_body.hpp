// Reading an HTTP request body with a size limit, for servers that must not buffer whatever a
// client sends. Stream-based, so any HTTP library's body stream fits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>

namespace punchlink {

// The body, or nullopt when it is over `limit` (declared by Content-Length, or found while
// reading; `declared_length` is negative when the request declares none, as Poco reports it). Over
// the limit, up to `discard_limit` more bytes are read and dropped so that the client, still
// sending, gets to read the error reply instead of a connection reset.
std::optional<std::string> readBoundedBody(std::istream& in,
                                           std::int64_t declared_length,
                                           std::size_t limit,
                                           std::size_t discard_limit = 16U << 20U);

}  // namespace punchlink
