#include <punchlink/testing/test_ca.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace punchlink::testing {

namespace {

// One way to make certificates for the tests and the demo stack (scripts/run.sh).
constexpr const char* kMakeCaScript = PUNCHLINK_SOURCE_DIR "/scripts/make-ca.sh";

// A single-quoted shell word: a quote inside becomes '\''.
std::string quoted(const std::string& text) {
  std::string word = "'";
  for (const char c : text) {
    word += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return word + "'";
}

void run(const std::string& command) {
  const std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) {
    throw std::runtime_error("cannot run: " + command);
  }
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    output += buffer;
  }
  if (::pclose(pipe) != 0) {
    throw std::runtime_error("command failed: " + command + "\n" + output);
  }
}

}  // namespace

TestCa makeTestCa(const std::filesystem::path& dir, const std::string& name) {
  const auto ca_prefix = dir / (name + "-ca");
  const auto server_prefix = dir / (name + "-server");
  run(quoted(kMakeCaScript) + " --days 2 --name " + quoted("punchlink test CA " + name) + " " +
      quoted(ca_prefix.string()) + " " + quoted(server_prefix.string()));
  return TestCa{dir / (name + "-ca.crt"), dir / (name + "-ca.key"), dir / (name + "-server.crt"),
                dir / (name + "-server.key")};
}

}  // namespace punchlink::testing
