#include <punchlink/common/broker_url.hpp>
#include <punchlink/common/password_file.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <fstream>

namespace punchlink::config {

Result<std::string> readPasswordFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return makeError(ErrorCode::InvalidInput, "cannot read " + path,
                     "check the path and that this service's user may read it");
  }
  std::string line;
  char c = 0;
  while (in.get(c) && c != '\n') {
    if (line.size() == kMaxPasswordBytes) {
      return makeError(
          ErrorCode::InvalidInput,
          path + ": the first line is longer than " + std::to_string(kMaxPasswordBytes) + " bytes",
          "the file's first line is the password");
    }
    line += c;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
    line.pop_back();
  }
  if (line.empty()) {
    return makeError(ErrorCode::InvalidInput, path + " is empty; its first line is the password");
  }
  return line;
}

BrokerPassword readBrokerPassword(YamlMap& map, std::string_view url_key, const std::string& url) {
  BrokerPassword out;
  out.password = map.get<std::string>("password", "");
  out.file = map.get<std::string>("password_file", "");
  if (!out.password.empty() && !out.file.empty()) {
    map.fail("password_file", "give either password or password_file, not both");
  }
  if (!out.file.empty()) {
    auto password = readPasswordFile(out.file);
    if (!password) {
      map.fail("password_file", password.error().toString());
    }
    out.password = *password;
  }
  if (auto problem = brokerUrlProblem(url, !out.password.empty())) {
    map.fail(url_key, *problem);
  }
  return out;
}

}  // namespace punchlink::config
