#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/postgres_server.hpp>

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace punchlink::testing {

namespace {

using namespace std::chrono_literals;

// The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin).
std::string serverBinDir() {
  if (const char* dir = std::getenv("PUNCHLINK_PG_BINDIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  std::vector<std::filesystem::path> found;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ignored)) {
    if (std::filesystem::exists(entry.path() / "bin" / "initdb")) {
      found.push_back(entry.path() / "bin");
    }
  }
  if (found.empty()) {
    throw std::runtime_error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql: run "
        "scripts/install-deps.sh (package postgresql) or set PUNCHLINK_PG_BINDIR");
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::stoi(a.parent_path().filename().string()) <
           std::stoi(b.parent_path().filename().string());
  });
  return found.back().string();
}

// A test killed from outside (a ctest timeout, SIGKILL) cannot stop its server, and pg_ctl
// detaches it, so it would run on. Each server's folder names its test process; servers whose
// test is gone are stopped and removed when the next one starts.
void stopOrphanedServers(const std::string& bin, bool as_postgres) {
  std::error_code ignored;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ignored)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("punchlink-pg-", 0) != 0) {
      continue;
    }
    const std::string owner = readFile(entry.path() / "owner.pid");
    const pid_t pid = static_cast<pid_t>(std::atol(owner.c_str()));
    if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) {
      continue;  // still running, or not ours to judge
    }
    if (std::filesystem::exists(entry.path() / "data" / "postmaster.pid")) {
      std::vector<std::string> argv{
          bin + "/pg_ctl", "-D", (entry.path() / "data").string(), "-m", "immediate", "-w", "stop"};
      if (as_postgres) {
        argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
      }
      ChildProcess stop(argv, "/dev/null");
      (void)stop.waitForExit(30s);
    }
    std::filesystem::remove_all(entry.path(), ignored);
  }
}

}  // namespace

bool postgresRequested() {
  const char* storage = std::getenv("PUNCHLINK_TEST_STORAGE");
  return storage != nullptr && std::string(storage) == "postgres";
}

std::filesystem::path PostgresServer::clusterTemplate() {
  const auto version = std::filesystem::path(bin_).parent_path().filename().string();
  const auto path = std::filesystem::temp_directory_path() /
                    ("punchlink-pgtemplate-" + version + "-" + std::to_string(geteuid()));
  if (std::filesystem::exists(path / "ready")) {
    return path;
  }
  // Made aside and renamed into place, so a test running at the same moment never copies half
  // a cluster; of two made at once, the first renamed is the one both use.
  const auto making = path.string() + "." + std::to_string(::getpid());
  std::error_code ignored;
  std::filesystem::remove_all(making, ignored);
  std::filesystem::create_directories(std::filesystem::path(making) / "data");
  if (geteuid() == 0) {
    const passwd* account = getpwnam("postgres");
    if (account == nullptr || chown((std::filesystem::path(making) / "data").c_str(),
                                    account->pw_uid, account->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + making + " to the postgres account");
    }
  }
  run({bin_ + "/initdb", "-D", (std::filesystem::path(making) / "data").string(), "-U", "punchlink",
       "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"},
      "initdb");
  std::ofstream(std::filesystem::path(making) / "ready").put('\n');
  std::filesystem::rename(making, path, ignored);
  if (ignored) {
    std::filesystem::remove_all(making, ignored);
  }
  return path;
}

PostgresServer::PostgresServer(Durability durability)
    : bin_(serverBinDir()), durability_(durability) {
  stopOrphanedServers(bin_, geteuid() == 0);
  dir_.write("owner.pid", std::to_string(::getpid()));
  const auto data = dir_.file("data");
  std::filesystem::create_directories(data);
  if (geteuid() == 0) {
    const passwd* account = getpwnam("postgres");
    if (account == nullptr) {
      throw std::runtime_error(
          "running as root, and there is no postgres account to run "
          "PostgreSQL as: install the postgresql package");
    }
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                  std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_exec);
    if (chown(data.c_str(), account->pw_uid, account->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + data.string() + " to the postgres account");
    }
  }
  // initdb takes ~2 s, a copy of what it made ~0.1 s, and the PostgreSQL tests start ~150
  // servers: each starts from a copy of one cluster made once per machine.
  const auto cluster = clusterTemplate();
  std::filesystem::permissions(data, std::filesystem::perms::owner_all);
  run({"cp", "-a", (cluster / "data").string() + "/.", data.string()}, "copy of the template");
  // A port taken between the check and the start makes pg_ctl fail: try a few.
  for (int attempt = 0; attempt < 5 && !started_; ++attempt) {
    port_ = freeLoopbackPort();
    try {
      start();
    } catch (const std::runtime_error&) {
      if (attempt == 4) {
        throw;
      }
    }
  }
}

void PostgresServer::start() {
  const auto data = dir_.file("data");
  run({bin_ + "/pg_ctl", "-D", data.string(), "-w", "-t", "60", "-l",
       (data / "server.log").string(), "-o",
       "-p " + std::to_string(port_) + " -k " + data.string() +
           " -c listen_addresses=127.0.0.1 -c max_connections=50" +
           (durability_ == Durability::Test ? " -c fsync=off" : ""),
       "start"},
      "pg_ctl start");
  started_ = true;
}

void PostgresServer::restart() {
  run({bin_ + "/pg_ctl", "-D", dir_.file("data").string(), "-m", "fast", "-w", "stop"},
      "pg_ctl stop");
  started_ = false;
  start();
}

PostgresServer::~PostgresServer() {
  if (started_) {
    try {
      run({bin_ + "/pg_ctl", "-D", dir_.file("data").string(), "-m", "immediate", "-w", "stop"},
          "pg_ctl stop");
    } catch (const std::runtime_error&) {
      // The directory goes anyway; a server left behind dies with its data directory.
    }
  }
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgres://punchlink@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::createDatabase(const std::string& name) {
  run({bin_ + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "punchlink", name},
      "createdb");
  return url(name);
}

std::string PostgresServer::log() const { return readFile(dir_.file("data") / "server.log"); }

void PostgresServer::run(std::vector<std::string> argv, const std::string& what) {
  if (geteuid() == 0) {
    argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  }
  const auto log = dir_.file(what.substr(0, what.find(' ')) + ".log");
  ChildProcess process(argv, log);
  const auto status = process.waitForExit(120s);
  if (status != 0) {
    throw std::runtime_error(what + " failed (" +
                             (status ? "exit " + std::to_string(*status) : "timed out") +
                             "): " + process.log());
  }
}

RelayStorage::RelayStorage(const TempDir& dir) {
  if (postgresRequested()) {
    server_ = std::make_unique<PostgresServer>();
    location_ = server_->createDatabase("relay");
  } else {
    location_ = dir.file("relay.db").string();
  }
}

}  // namespace punchlink::testing
