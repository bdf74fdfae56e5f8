// A real PostgreSQL server for a test: a fresh cluster (initdb) in its own directory, started
// with pg_ctl on a free loopback port, and stopped and removed on destruction. As root (CI
// containers) the server runs as the `postgres` account, since PostgreSQL refuses root.
#pragma once

#include <punchlink/testing/temp_dir.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace punchlink::testing {

class PostgresServer {
 public:
  // Test: fsync off (fast, and nothing here must survive a power cut). Production: the
  // server's own durable defaults, for benchmarks.
  enum class Durability { Test, Production };

  explicit PostgresServer(Durability durability = Durability::Test);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  PostgresServer(PostgresServer&&) = delete;
  PostgresServer& operator=(PostgresServer&&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  // A libpq URI of `database` ("postgres" exists from the start).
  std::string url(const std::string& database = "postgres") const;

  // Creates an empty database and returns its URI.
  std::string createDatabase(const std::string& name);

  // Stops the server (fast shutdown: clients are disconnected) and starts it again on the same
  // port, as a database restart or failover looks to its clients.
  void restart();

  // The server's log, for failure messages.
  std::string log() const;

 private:
  void run(std::vector<std::string> argv, const std::string& what);
  // A cluster initdb made, to copy: one per machine, server version and user.
  std::filesystem::path clusterTemplate();
  void start();

  TempDir dir_{"punchlink-pg"};
  std::string bin_;
  std::uint16_t port_ = 0;
  bool started_ = false;
  Durability durability_;
};

// Where a relay under test keeps its state: a SQLite file in `dir`, or, when the environment
// says PUNCHLINK_TEST_STORAGE=postgres, a PostgreSQL server started for the test. The relay
// tests run under both (ctest registers them twice).
class RelayStorage {
 public:
  explicit RelayStorage(const TempDir& dir);

  // The relay's `storage:` setting.
  const std::string& location() const noexcept { return location_; }

  bool postgres() const noexcept { return server_ != nullptr; }

  PostgresServer* server() const noexcept { return server_.get(); }

 private:
  std::unique_ptr<PostgresServer> server_;
  std::string location_;
};

// True when the tests were asked to run the relay on PostgreSQL.
bool postgresRequested();

}  // namespace punchlink::testing
