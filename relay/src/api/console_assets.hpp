// The operator console's files (relay/console/), compiled into the relay so that the console is
// served with nothing loaded from anywhere else.
#pragma once

#include <span>
#include <string_view>

namespace punchlink::relay::api {

struct ConsoleAsset {
  std::string_view path;  // relative to /console/, e.g. "views/fleet.js"
  std::string_view content_type;
  std::string_view body;
};

std::span<const ConsoleAsset> consoleAssets() noexcept;

}  // namespace punchlink::relay::api
