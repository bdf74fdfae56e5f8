#include <punchlink/common/password_file.hpp>

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

}  // namespace punchlink::config
