// Slowloris for tests: TCP connections that send a request one byte at a time and never finish
// it, each from a chosen loopback source address (127.0.0.0/8 is all local, so a test can be
// many hosts at once).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace punchlink::testing {

class DripClients {
 public:
  // Opens one connection per entry of `sources` (IPv4 loopback addresses) to 127.0.0.1:`port`
  // and drips `opening` and then 'a's into each, one byte per `interval`.
  DripClients(std::uint16_t port,
              const std::vector<std::string>& sources,
              std::chrono::milliseconds interval,
              std::string opening = std::string(kHttpOpening));

  // An HTTP request that never ends its headers.
  static constexpr std::string_view kHttpOpening = "GET / HTTP/1.1\r\nHost: x\r\nX-Drip: ";
  // A request whose headers are whole and whose announced body never all comes.
  static constexpr std::string_view kSlowBodyOpening =
      "POST /v1/devices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000\r\n\r\n";
  // A TLS handshake record announcing 512 bytes of ClientHello, which never all come.
  static constexpr std::string_view kTlsOpening{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11};
  ~DripClients();

  DripClients(const DripClients&) = delete;
  DripClients& operator=(const DripClients&) = delete;
  DripClients(DripClients&&) = delete;
  DripClients& operator=(DripClients&&) = delete;

  // Connections the server accepted and has not closed yet.
  int open() const;
  // Connections the server has closed (or reset).
  int closed() const;

 private:
  void drip(std::chrono::milliseconds interval);

  std::string opening_;
  std::vector<int> sockets_;
  std::vector<std::atomic<bool>> closed_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Loopback addresses 127.0.0.`first` … 127.0.0.`first + count - 1`.
std::vector<std::string> loopbackSources(int first, int count);

}  // namespace punchlink::testing
