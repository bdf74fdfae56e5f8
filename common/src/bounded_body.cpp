#include <punchlink/common/bounded_body.hpp>

#include <algorithm>
#include <array>

namespace punchlink {

std::optional<std::string> readBoundedBody(std::istream& in,
                                           std::int64_t declared_length,
                                           std::size_t limit,
                                           std::size_t discard_limit) {
  std::array<char, 64 * 1024> chunk{};
  const bool declared_too_large =
      declared_length >= 0 && static_cast<std::uint64_t>(declared_length) > limit;
  if (!declared_too_large) {
    // Grown as bytes arrive: a GET or a small POST costs what it sends, not the limit.
    std::string body;
    if (declared_length > 0) {
      body.reserve(static_cast<std::size_t>(declared_length));
    }
    while (in && body.size() <= limit) {
      in.read(chunk.data(),
              static_cast<std::streamsize>(std::min(chunk.size(), limit + 1 - body.size())));
      body.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (body.size() <= limit) {
      return body;
    }
  }
  auto left = static_cast<std::streamsize>(discard_limit);
  while (left > 0 && in) {
    in.read(chunk.data(), std::min<std::streamsize>(left, chunk.size()));
    left -= in.gcount();
  }
  return std::nullopt;
}

}  // namespace punchlink
