#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/ports.hpp>

#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace punchlink::testing {

namespace {

constexpr std::chrono::milliseconds kStartTimeout{10'000};

std::string findMosquitto() {
  // Debian installs the broker in /usr/sbin, which is not in every user's PATH.
  for (const char* candidate : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto"}) {
    if (::access(candidate, X_OK) == 0) {
      return candidate;
    }
  }
  throw std::runtime_error(
      "mosquitto is not installed: run scripts/install-deps.sh (apt-get install mosquitto)");
}

}  // namespace

MosquittoFixture::MosquittoFixture(MosquittoOptions options)
    : options_(std::move(options)), dir_("punchlink-mosquitto") {
  if (options_.tls) {
    ca_ = makeTestCa(dir_.path(), "broker");
  }
  if (!options_.users.empty()) {
    std::string passwords;
    for (const auto& user : options_.users) {
      const auto file = dir_.file("passwd");
      // mosquitto_passwd hashes the password as the broker expects.
      const std::string command = "mosquitto_passwd -b " + std::string(file.c_str()) + " '" +
                                  user.name + "' '" + user.password + "' >/dev/null 2>&1";
      if (!std::filesystem::exists(file)) {
        dir_.write("passwd", "");
      }
      if (std::system(command.c_str()) != 0) {  // NOLINT(cert-env33-c): test-only helper
        throw std::runtime_error("mosquitto_passwd failed for user " + user.name);
      }
    }
  }
  if (!options_.acl.empty()) {
    dir_.write("acl", options_.acl);
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = freeLoopbackPort();
    writeConfig();
    if (launch()) {
      return;
    }
  }
  throw std::runtime_error("mosquitto did not start after 5 attempts; last log:\n" + log());
}

MosquittoFixture::~MosquittoFixture() {
  if (broker_) {
    broker_->stop(std::chrono::milliseconds{3000});
  }
}

std::string MosquittoFixture::url() const {
  return std::string(options_.tls ? "mqtts" : "mqtt") + "://127.0.0.1:" + std::to_string(port_);
}

void MosquittoFixture::writeConfig() {
  std::string conf;
  // Run as whoever runs the tests: as root, mosquitto would otherwise switch to the "mosquitto"
  // user, which cannot read our private temporary directory.
  if (const passwd* user = ::getpwuid(::geteuid()); user != nullptr) {
    conf += "user " + std::string(user->pw_name) + "\n";
  }
  conf += "per_listener_settings false\n";
  conf += "persistence " + std::string(options_.persistence ? "true" : "false") + "\n";
  conf += "persistence_location " + dir_.path().string() + "/\n";
  conf += "log_dest stderr\nconnection_messages true\n";
  conf += options_.log_packets ? "log_type all\n"
                               : "log_type error\nlog_type warning\nlog_type notice\n";
  conf += "max_queued_messages 100000\n";
  conf += "set_tcp_nodelay true\n";
  conf += "max_inflight_messages 200\n";  // as packaging/mosquitto-punchlink.conf
  conf += "listener " + std::to_string(port_) + " 127.0.0.1\n";
  if (options_.tls) {
    conf += "cafile " + ca_.ca_cert.string() + "\n";
    conf += "certfile " + ca_.server_cert.string() + "\n";
    conf += "keyfile " + ca_.server_key.string() + "\n";
  }
  // As the packaged config: packets bounded, and (with accounts) ids are usernames.
  conf += "max_packet_size 8388608\n";
  if (options_.users.empty()) {
    conf += "allow_anonymous true\n";
  } else {
    conf += "allow_anonymous false\n";
    conf += "password_file " + dir_.file("passwd").string() + "\n";
    conf += "use_username_as_clientid true\n";
  }
  if (!options_.acl.empty()) {
    conf += "acl_file " + dir_.file("acl").string() + "\n";
  }
  dir_.write("mosquitto.conf", conf);
}

bool MosquittoFixture::launch() {
  broker_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{findMosquitto(), "-c", dir_.file("mosquitto.conf").string()},
      dir_.file("mosquitto.log"));
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!broker_->running()) {
      return false;  // most likely the port was taken between our probe and its bind
    }
    if (canConnect(port_)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  broker_->kill();
  return false;
}

void MosquittoFixture::stopBroker() {
  if (broker_) {
    broker_->stop(std::chrono::milliseconds{5000});
  }
}

void MosquittoFixture::startBroker() {
  if (broker_ && broker_->running()) {
    return;
  }
  // The same port: clients reconnect to the address they know. Retry briefly in case the old
  // socket is still in TIME_WAIT on a slow machine.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (launch()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{250});
  }
  throw std::runtime_error("mosquitto did not restart on port " + std::to_string(port_) +
                           "; log:\n" + log());
}

std::string MosquittoFixture::log() const { return readFile(dir_.file("mosquitto.log")); }

}  // namespace punchlink::testing
