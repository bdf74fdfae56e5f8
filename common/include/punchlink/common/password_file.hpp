// The broker password files the agent and the relay read (password_file:): the first line,
// without a trailing CR or spaces (files written on Windows or by hand), of bounded length so a
// path naming a device or a huge file cannot make the reader allocate without end.
#pragma once

#include <punchlink/common/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace punchlink::config {

constexpr std::size_t kMaxPasswordBytes = 1024;

// InvalidInput when the file cannot be read, its first line is empty, or it is longer than
// kMaxPasswordBytes; the message names the path, never the content.
Result<std::string> readPasswordFile(const std::string& path);

class YamlMap;

// A broker login's secret as both services' configs give it: `password`, or `password_file`
// (read now), not both; then `url_key`'s URL checked against it (broker_url.hpp). Config errors
// are raised through `map`.
struct BrokerPassword {
  std::string password;
  std::string file;
};

BrokerPassword readBrokerPassword(YamlMap& map, std::string_view url_key, const std::string& url);

}  // namespace punchlink::config
