// A throwaway certificate authority and a server certificate for localhost/127.0.0.1/::1, made
// at test time by scripts/make-ca.sh (the script scripts/run.sh uses), so TLS tests verify a real
// chain without shipping keys.
#pragma once

#include <filesystem>
#include <string>

namespace punchlink::testing {

struct TestCa {
  std::filesystem::path ca_cert;
  std::filesystem::path ca_key;
  std::filesystem::path server_cert;
  std::filesystem::path server_key;
};

// Creates the files under `dir`, with names prefixed by `name` (so two CAs can share a folder);
// files already there and still valid are kept. Throws std::runtime_error with the script's
// output if it fails.
TestCa makeTestCa(const std::filesystem::path& dir, const std::string& name = "test");

}  // namespace punchlink::testing
