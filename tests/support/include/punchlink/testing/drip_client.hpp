// Slowloris for tests: TCP connections that send a request one byte at a time and never finish
// it, each from a chosen loopback source address (127.0.0.0/8 is all local, so a test can be
// many hosts at once).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace punchlink::testing {

class DripClients {
 public:
  // Opens one connection per entry of `sources` (IPv4 loopback addresses) to 127.0.0.1:`port`
  // and drips "GET / HTTP/1.1\r\nX-Drip: aaaa…" into each, one byte per `interval`.
  DripClients(std::uint16_t port,
              const std::vector<std::string>& sources,
              std::chrono::milliseconds interval);
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

  std::vector<int> sockets_;
  std::vector<std::atomic<bool>> closed_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Loopback addresses 127.0.0.`first` … 127.0.0.`first + count - 1`.
std::vector<std::string> loopbackSources(int first, int count);

}  // namespace punchlink::testing
