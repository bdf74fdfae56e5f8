// Reads a terminal's whole attendance log with punchlink's ZkClient and prints how many records
// it got; bench/zk-read-bench.sh runs it next to node-zklib and measures both processes.
// Usage: zk_read_bench PORT [udp]
#include "zk_net/zk_client.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  using namespace punchlink::agent::zk_net;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [udp]\n", argv[0]);
    return 2;
  }
  ZkClientOptions options;
  options.host = "127.0.0.1";
  options.port = static_cast<std::uint16_t>(std::strtoul(argv[1], nullptr, 10));
  options.transport =
      argc > 2 && std::string(argv[2]) == "udp" ? ZkTransport::Udp : ZkTransport::Tcp;
  options.timeout = std::chrono::seconds{10};
  const punchlink::SystemClock clock;
  ZkClient client(options, clock);
  if (auto connected = client.connect(); !connected) {
    std::fprintf(stderr, "%s\n", connected.error().toString().c_str());
    return 1;
  }
  std::uint64_t checksum = 0;
  auto count = client.readAttendance([&](const punchlink::zk::AttendanceRecord& record) {
    checksum += record.uid;  // touch each record so the work cannot be skipped
  });
  if (!count) {
    std::fprintf(stderr, "%s\n", count.error().toString().c_str());
    return 1;
  }
  std::printf("records=%llu checksum=%llu\n", static_cast<unsigned long long>(*count),
              static_cast<unsigned long long>(checksum));
  return 0;
}
