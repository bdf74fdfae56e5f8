#include <punchlink/testing/test_ca.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace punchlink::testing {

namespace {

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

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace

TestCa makeTestCa(const std::filesystem::path& dir, const std::string& name) {
  TestCa ca{dir / (name + "-ca.crt"), dir / (name + "-ca.key"), dir / (name + "-server.crt"),
            dir / (name + "-server.key")};
  const auto csr = dir / (name + "-server.csr");
  const auto ext = dir / (name + "-server.ext");
  run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
      "'/CN=punchlink test CA " +
      name + "' -keyout " + quoted(ca.ca_key) + " -out " + quoted(ca.ca_cert));
  run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=localhost' "
      "-keyout " +
      quoted(ca.server_key) + " -out " + quoted(csr));
  run("printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > " +
      quoted(ext));
  run("openssl x509 -req -in " + quoted(csr) + " -CA " + quoted(ca.ca_cert) + " -CAkey " +
      quoted(ca.ca_key) + " -CAcreateserial -days 2 -extfile " + quoted(ext) + " -out " +
      quoted(ca.server_cert));
  return ca;
}

}  // namespace punchlink::testing
