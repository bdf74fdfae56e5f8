#include <punchlink/common/bounded_body.hpp>

#include <algorithm>
#include <array>

namespace punchlink {

std::optional<std::string> readBoundedBody(std::istream& in,
                                           std::int64_t declared_length,
                                           std::size_t limit,
                                           std::size_t discard_limit) {
  if (declared_length < 0 || static_cast<std::uint64_t>(declared_length) <= limit) {
    std::string body(limit + 1, '\0');
    in.read(body.data(), static_cast<std::streamsize>(body.size()));
    body.resize(static_cast<std::size_t>(in.gcount()));
    if (body.size() <= limit) {
      return body;
    }
  }
  std::array<char, 64 * 1024> buffer{};
  auto left = static_cast<std::streamsize>(discard_limit);
  while (left > 0 && in) {
    in.read(buffer.data(), std::min<std::streamsize>(left, buffer.size()));
    left -= in.gcount();
  }
  return std::nullopt;
}

}  // namespace punchlink
