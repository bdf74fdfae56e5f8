// Human-friendly quantities in config files: durations ("250ms", "30s", "5m", "1h", "3d") and
// byte sizes ("512MiB", "2GB", or a plain number of bytes).
#pragma once

#include <punchlink/common/result.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace punchlink {

Result<std::chrono::milliseconds> parseDuration(std::string_view text);
std::string formatDuration(std::chrono::milliseconds duration);

Result<std::uint64_t> parseByteSize(std::string_view text);
std::string formatByteSize(std::uint64_t bytes);

}  // namespace punchlink
