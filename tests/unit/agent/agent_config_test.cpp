// The agent's config parser against its documentation: the shipped example
// (packaging/agent.example.yaml) must parse, its keys must be exactly the ones documented in
// docs/agent-config.md, secrets must not leak from --check-config, and errors must be located.
#include "config/agent_config.hpp"

#include "app/builtin_protocols.hpp"
#include "push/push_config.hpp"
#include "zk_terminal/zk_device_config.hpp"

#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::agent {
namespace {

using namespace std::chrono_literals;
using zk_terminal::DeviceMode;
using zk_terminal::ZkDeviceConfig;

constexpr std::string_view kExamplePasswordLine = "  password_file: /etc/punchlink/broker-password";
constexpr std::string_view kExamplePasswordPath = "/etc/punchlink/broker-password";

std::string readSource(std::string_view relative) {
  return punchlink::testing::readFile(std::filesystem::path(PUNCHLINK_SOURCE_DIR) / relative);
}

const ZkDeviceConfig& zk(const DeviceConfig& device) { return device.settingsAs<ZkDeviceConfig>(); }

const PushDeviceConfig& push(const DeviceConfig& device) {
  return device.settingsAs<PushDeviceConfig>();
}

Result<AgentConfig> parse(std::string_view text) {
  auto doc = config::YamlDocument::loadString(text, "agent.yaml");
  if (!doc) {
    return doc.error();
  }
  return parseAgentConfig(*doc);
}

std::string errorOf(std::string_view text) {
  auto result = parse(text);
  EXPECT_FALSE(result.ok()) << "expected an error for:\n" << text;
  return result.ok() ? std::string() : result.error().message;
}

// A valid minimal config. `uplink_extra` and `device_extra` are lines added to the uplink section
// and to the first device (indent them by 2 and 4 spaces).
std::string minimalConfig(std::string_view uplink_extra = "", std::string_view device_extra = "") {
  std::string text =
      "site_id: plant-7\n"
      "uplink:\n"
      "  broker: mqtt://localhost:1883\n";
  text += uplink_extra;
  text +=
      "devices:\n"
      "  - name: main-entrance\n"
      "    host: 10.7.0.21\n";
  text += device_extra;
  return text;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    return {};
  }
  const auto end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// Keys from the reference tables: the first cell of each table row, when it is a single
// backticked word such as `batch_size`. Header and separator rows have no backticks.
std::set<std::string> documentedKeys(const std::string& markdown) {
  static const std::regex kKeyCell("^`([a-z_]+)`$");
  std::set<std::string> keys;
  for (const auto& line : lines(markdown)) {
    if (line.empty() || line.front() != '|') {
      continue;
    }
    const auto second_bar = line.find('|', 1);
    if (second_bar == std::string::npos) {
      continue;
    }
    const std::string cell = trim(std::string_view(line).substr(1, second_bar - 1));
    std::smatch match;
    if (std::regex_match(cell, match, kKeyCell)) {
      keys.insert(match[1].str());
    }
  }
  return keys;
}

std::string stripComment(const std::string& line) {
  if (trim(line).starts_with('#')) {
    return {};
  }
  const auto comment = line.find(" #");
  return comment == std::string::npos ? line : line.substr(0, comment);
}

// Keys set in a YAML file: `key:` at the start of a line or after a list item's "- ".
std::set<std::string> yamlKeys(const std::string& yaml) {
  static const std::regex kKey(R"(^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*):(\s|$))");
  std::set<std::string> keys;
  for (const auto& line : lines(yaml)) {
    const std::string code = stripComment(line);
    std::smatch match;
    if (std::regex_search(code, match, kKey)) {
      keys.insert(match[1].str());
    }
  }
  return keys;
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += out.empty() ? item : ", " + item;
  }
  return out.empty() ? "(none)" : out;
}

std::set<std::string> difference(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  for (const auto& item : a) {
    if (!b.contains(item)) {
      out.insert(item);
    }
  }
  return out;
}

TEST(AgentConfig, ShippedExampleParses) {
  std::string example = readSource("packaging/agent.example.yaml");
  ASSERT_NE(example.find(kExamplePasswordLine), std::string::npos)
      << "the example must keep the line \"" << kExamplePasswordLine
      << "\" (this test substitutes the path)";
  const auto path_at = example.find(kExamplePasswordPath);
  ASSERT_EQ(example.find(kExamplePasswordPath, path_at + 1), std::string::npos)
      << "the password file path must appear only once in the example";

  punchlink::testing::TempDir dir;
  const auto password_file = dir.write("broker-password", "s3cret\n");
  example.replace(path_at, kExamplePasswordPath.size(), password_file.string());
  const auto config_file = dir.write("agent.yaml", example);

  auto loaded = loadAgentConfig(config_file.string());
  ASSERT_TRUE(loaded.ok()) << loaded.error().toString();
  const AgentConfig& config = *loaded;

  EXPECT_EQ(config.schema_version, 1);
  EXPECT_EQ(config.site_id, "plant-7");
  EXPECT_EQ(config.log_level, LogLevel::Info);

  EXPECT_EQ(config.uplink.broker, "mqtts://relay.example.com:8883");
  EXPECT_EQ(config.uplink.client_id, "plant-7");
  EXPECT_EQ(config.uplink.username, "plant-7");
  EXPECT_EQ(config.uplink.password, "s3cret");
  EXPECT_EQ(config.uplink.password_file, password_file.string());
  EXPECT_EQ(config.uplink.ca_file, "/etc/punchlink/ca.crt");
  EXPECT_EQ(config.uplink.cert_file, "");
  EXPECT_EQ(config.uplink.key_file, "");
  EXPECT_TRUE(config.uplink.verify_hostname);
  EXPECT_EQ(config.uplink.batch_size, 100U);
  EXPECT_EQ(config.uplink.batch_delay, 200ms);
  EXPECT_EQ(config.uplink.ack_timeout, 30s);
  EXPECT_DOUBLE_EQ(config.uplink.drain_rate, 200.0);
  EXPECT_EQ(config.uplink.drain_burst, 500U);

  EXPECT_EQ(config.outbox.path, "/var/lib/punchlink/outbox.db");
  EXPECT_EQ(config.outbox.max_size, 1ULL << 30U);
  EXPECT_EQ(config.outbox.alarm_percent, 80);
  EXPECT_EQ(config.outbox.retention, 24h * 7);

  EXPECT_EQ(config.status.listen, "127.0.0.1:8787");
  EXPECT_EQ(config.status.interval, 60s);
  EXPECT_EQ(config.command_expiry, 24h);

  ASSERT_EQ(config.devices.size(), 4U);
  EXPECT_EQ(config.devices[0].name, "main-entrance");
  EXPECT_EQ(config.devices[0].protocol, "zk");
  const ZkDeviceConfig& tcp = zk(config.devices[0]);
  EXPECT_EQ(tcp.host, "10.7.0.21");
  EXPECT_EQ(tcp.port, 4370U);
  EXPECT_EQ(tcp.transport, "tcp");
  EXPECT_EQ(tcp.comm_key, 0U);
  EXPECT_EQ(tcp.time_zone, "Europe/Berlin");
  EXPECT_EQ(tcp.mode, DeviceMode::Realtime);
  EXPECT_EQ(tcp.resync_interval, 1h);
  EXPECT_EQ(tcp.timeout, 5s);

  EXPECT_EQ(config.devices[1].name, "warehouse-gate");
  const ZkDeviceConfig& udp = zk(config.devices[1]);
  EXPECT_EQ(udp.host, "10.7.0.22");
  EXPECT_EQ(udp.transport, "udp");
  EXPECT_NE(udp.comm_key, 0U);
  EXPECT_EQ(udp.time_zone, "America/New_York");
  EXPECT_EQ(udp.mode, DeviceMode::Poll);
  EXPECT_EQ(udp.poll_interval, 2min);
  EXPECT_EQ(udp.timeout, 10s);

  EXPECT_EQ(config.devices[2].name, "lobby-face");
  EXPECT_EQ(config.devices[2].protocol, "push");
  const PushDeviceConfig& lobby = push(config.devices[2]);
  EXPECT_EQ(lobby.serial, "CQZ7231560042");
  EXPECT_EQ(lobby.host, "10.7.0.31");
  EXPECT_EQ(lobby.comm_key, "");
  const PushDeviceConfig& canteen = push(config.devices[3]);
  EXPECT_EQ(canteen.comm_key, "58273914");
  EXPECT_TRUE(canteen.pinsAddress());
  EXPECT_TRUE(servesPush(config.terminalSetup()));
  EXPECT_EQ(pushConfig(config.terminalSetup()).listen, "0.0.0.0:8081");
  EXPECT_FALSE(pushConfig(config.terminalSetup()).accept_unknown);
}

// The example parses (above), and unknown keys are errors, so every key of the example is one the
// parser reads. Comparing with the reference tables keeps the documentation complete and honest.
TEST(AgentConfig, DocumentedKeysMatchTheExample) {
  const std::set<std::string> documented = documentedKeys(readSource("docs/agent-config.md"));
  const std::string example = readSource("packaging/agent.example.yaml");
  const std::set<std::string> in_example = yamlKeys(example);
  ASSERT_GE(documented.size(), 30U)
      << "key extraction from the markdown looks broken: " << join(documented);

  // `password` excludes `password_file`, so the example shows it only as a comment.
  const std::set<std::string> commented_out = {"password"};
  for (const auto& key : commented_out) {
    EXPECT_TRUE(std::regex_search(example, std::regex("\n\\s*#\\s*" + key + ":")))
        << "the example should show `" << key << "` in a comment";
  }
  EXPECT_EQ(join(difference(difference(documented, in_example), commented_out)), "(none)")
      << "documented in docs/agent-config.md but missing from packaging/agent.example.yaml";
  EXPECT_EQ(join(difference(in_example, documented)), "(none)")
      << "set in packaging/agent.example.yaml but not documented in docs/agent-config.md";
}

TEST(AgentConfig, DefaultsApplyWhenKeysAreLeftOut) {
  auto parsed = parse(minimalConfig());
  ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
  const AgentConfig& config = *parsed;
  EXPECT_EQ(config.uplink.client_id, "plant-7");
  EXPECT_EQ(config.uplink.username, "plant-7");
  EXPECT_EQ(config.uplink.password, "");
  EXPECT_EQ(config.outbox.path, "/var/lib/punchlink/outbox.db");
  EXPECT_EQ(config.status.listen, "127.0.0.1:8787");
  ASSERT_EQ(config.devices.size(), 1U);
  EXPECT_EQ(zk(config.devices[0]).port, 4370U);
  EXPECT_EQ(zk(config.devices[0]).transport, "tcp");
  EXPECT_EQ(zk(config.devices[0]).comm_key, 0U);
  EXPECT_EQ(zk(config.devices[0]).time_zone, "UTC");
  EXPECT_EQ(zk(config.devices[0]).mode, DeviceMode::Realtime);
}

TEST(AgentConfig, EmptyStatusListenDisablesTheListener) {
  auto parsed = parse(minimalConfig() + "status:\n  listen: \"\"\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
  EXPECT_EQ(parsed->status.listen, "");
}

TEST(AgentConfig, DescriptionRedactsSecrets) {
  auto parsed = parse(minimalConfig("  password: hunter2-secret\n", "    comm_key: 424242\n") +
                      "  - name: side-door\n"
                      "    host: 10.7.0.23\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
  ASSERT_EQ(parsed->uplink.password, "hunter2-secret");
  ASSERT_EQ(zk(parsed->devices.at(0)).comm_key, 424242U);

  const std::string description = describeAgentConfig(*parsed);
  EXPECT_EQ(description.find("hunter2-secret"), std::string::npos) << description;
  EXPECT_EQ(description.find("424242"), std::string::npos) << description;
  EXPECT_NE(description.find("password: \"<redacted>\""), std::string::npos) << description;
  EXPECT_NE(description.find("comm_key: \"<redacted>\""), std::string::npos) << description;
  EXPECT_NE(description.find("comm_key: 0"), std::string::npos) << "a zero comm key is no secret\n"
                                                                << description;
}

TEST(AgentConfig, DescriptionRedactsPasswordFromFile) {
  punchlink::testing::TempDir dir;
  const auto password_file = dir.write("broker-password", "s3cret\nsecond line\n");
  auto parsed = parse(minimalConfig("  password_file: " + password_file.string() + "\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
  EXPECT_EQ(parsed->uplink.password, "s3cret") << "only the first line is the password";
  const std::string description = describeAgentConfig(*parsed);
  EXPECT_EQ(description.find("s3cret"), std::string::npos) << description;
  EXPECT_NE(description.find("<redacted>"), std::string::npos) << description;
}

TEST(AgentConfig, UnknownDeviceKeyIsLocated) {
  // Line 7, column 5: the unknown key itself, with the keys that would have been accepted.
  const std::string message = errorOf(minimalConfig("", "    hots: 10.7.0.99\n"));
  EXPECT_TRUE(
      message.starts_with("agent.yaml:7:5: devices[0].hots: unknown key (known keys here: "))
      << message;
}

struct ErrorCase {
  std::string what;
  std::string text;
  std::string expected;  // a substring of the message
};

TEST(AgentConfig, ErrorsNameTheKeyAndThePosition) {
  const std::vector<ErrorCase> cases = {
      {"unknown key in a device", minimalConfig("", "    hots: 10.7.0.99\n"),
       "devices[0].hots: unknown key"},
      {"a misspelt required key",
       "site_id: plant-7\nuplink:\n  broker: mqtt://localhost:1883\n"
       "devices:\n  - name: main-entrance\n    hots: 10.7.0.21\n",
       "devices[0].host: is required but missing (found \"hots\" instead: a typo?)"},
      {"missing uplink",
       "site_id: plant-7\ndevices:\n  - name: main-entrance\n    host: 10.7.0.21\n",
       "uplink: is required but missing"},
      {"missing devices", "site_id: plant-7\nuplink:\n  broker: mqtt://localhost:1883\n",
       "devices: is required but missing"},
      {"bad time zone", minimalConfig("", "    time_zone: Europe/Berln\n"),
       "devices[0].time_zone: unknown time zone \"Europe/Berln\""},
      {"duplicate device names", minimalConfig() + "  - name: main-entrance\n    host: 10.7.0.22\n",
       "devices[1].name: \"main-entrance\" is used by another device"},
      {"site_id with a slash",
       "site_id: plant/7\nuplink:\n  broker: mqtt://localhost:1883\n"
       "devices:\n  - name: main-entrance\n    host: 10.7.0.21\n",
       "site_id: must be 1-64 characters"},
      {"a password over plain mqtt to another host",
       "site_id: plant-7\nuplink:\n  broker: mqtt://broker.example.com:1883\n  password: s3cret\n"
       "devices:\n  - name: main-entrance\n    host: 10.7.0.21\n",
       "uplink.broker: mqtt:// would send the password in clear to broker.example.com"},
      {"transport serial", minimalConfig("", "    transport: serial\n"),
       "devices[0].transport: must be one of tcp, udp, got \"serial\""},
      {"password and password_file",
       minimalConfig("  password: s3cret\n  password_file: /etc/punchlink/broker-password\n"),
       "uplink.password_file: give either password or password_file, not both"},
      {"unreadable password_file",
       minimalConfig("  password_file: /nonexistent/punchlink/broker-password\n"),
       "uplink.password_file: cannot read /nonexistent/punchlink/broker-password"},
      {"broker without mqtt scheme",
       "site_id: plant-7\nuplink:\n  broker: relay.example.com\n"
       "devices:\n  - name: main-entrance\n    host: 10.7.0.21\n",
       "uplink.broker: must start with mqtts://"},
      {"drain_rate of zero", minimalConfig("  drain_rate: 0\n"),
       "uplink.drain_rate: must be more than 0"},
      {"batch_size out of range", minimalConfig("  batch_size: 0\n"),
       "uplink.batch_size: expected an integer from 1 to 10000, got \"0\""},
      {"comm_key out of range", minimalConfig("", "    comm_key: 1000000\n"),
       "devices[0].comm_key: expected an integer from 0 to 999999"},
      {"port 0", minimalConfig("", "    port: 0\n"),
       "devices[0].port: expected an integer from 1 to 65535"},
      {"poll_interval under 1s", minimalConfig("", "    mode: poll\n    poll_interval: 500ms\n"),
       "devices[0].poll_interval: must be at least 1s"},
      {"duration without unit", minimalConfig("", "    timeout: 5\n"),
       "devices[0].timeout: expected a duration"},
      {"mode unknown", minimalConfig("", "    mode: push\n"),
       "devices[0].mode: must be one of realtime, poll"},
      {"bad log level", "log_level: verbose\n" + minimalConfig(), "log_level: unknown log level"},
      {"retention below a second", minimalConfig() + "outbox:\n  retention: 1500ms\n",
       "outbox.retention: expected a whole number of seconds"},
      {"alarm_percent over 100", minimalConfig() + "outbox:\n  alarm_percent: 101\n",
       "outbox.alarm_percent: expected an integer from 1 to 100"},
      {"unknown status key", minimalConfig() + "status:\n  port: 8787\n",
       "status.port: unknown key"},
      {"schema_version 2", "schema_version: 2\n" + minimalConfig(),
       "schema_version: expected an integer from 1 to 1"},
      {"drain_rate not a number", minimalConfig("  drain_rate: nan\n"),
       "uplink.drain_rate: expected a number"},
      {"infinite drain_rate", minimalConfig("  drain_rate: inf\n"),
       "uplink.drain_rate: expected a number"},
      {"zero ack_timeout", minimalConfig("  ack_timeout: 0s\n"),
       "uplink.ack_timeout: must be at least 1s"},
      {"zero resync_interval", minimalConfig("", "    resync_interval: 0s\n"),
       "devices[0].resync_interval: must be at least 1m"},
      {"zero status interval", minimalConfig() + "status:\n  interval: 0s\n",
       "status.interval: must be at least 1s"},
      {"zero command_expiry", "command_expiry: 0s\n" + minimalConfig(),
       "command_expiry: must be at least 1s"},
      {"no devices", "site_id: plant-7\nuplink:\n  broker: mqtt://localhost:1883\ndevices: []\n",
       "devices: lists no terminal"},
      {"push device without serial", minimalConfig() + "  - name: gate\n    protocol: push\n",
       "devices[1].serial: is required but missing"},
      {"push serial with a space",
       minimalConfig() + "  - name: gate\n    protocol: push\n    serial: \"CK 1\"\n",
       "devices[1].serial: must be the terminal's serial number"},
      {"push serial twice",
       minimalConfig() + "  - name: a\n    protocol: push\n    serial: CK1\n" +
           "  - name: b\n    protocol: push\n    serial: CK1\n",
       "devices[2].serial: \"CK1\" is listed twice"},
      {"push device with a port",
       minimalConfig() + "  - name: gate\n    protocol: push\n    serial: CK1\n    port: 4370\n",
       "devices[1].port: unknown key"},
      {"protocol unknown", minimalConfig("", "    protocol: soap\n"),
       "devices[0].protocol: must be one of zk, push"},
      {"push delay over an hour", minimalConfig() + "push:\n  delay: 2h\n",
       "push.delay: must be at most 1h"},
      {"push offline_after not above delay",
       minimalConfig() + "push:\n  delay: 30s\n  offline_after: 30s\n",
       "push.offline_after: must be longer than delay"},
      {"push max_body too small", minimalConfig() + "push:\n  max_body: 1KiB\n",
       "push.max_body: must be at least 64KiB"},
      {"push listen empty", minimalConfig() + "push:\n  listen: \"\"\n",
       "push.listen: must be an address and port"},
      {"push host that is a name",
       minimalConfig() +
           "  - name: gate\n    protocol: push\n    serial: CK1\n    host: gate.lan\n",
       "devices[1].host: must be the terminal's IP address"},
      {"push comm_key with a space",
       minimalConfig() +
           "  - name: gate\n    protocol: push\n    serial: CK1\n    comm_key: \"88 88\"\n",
       "devices[1].comm_key: must be the terminal's communication key (PushComKey)"},
      {"push host and pin_address false",
       minimalConfig() + "  - name: gate\n    protocol: push\n    serial: CK1\n" +
           "    host: 10.7.0.30\n    pin_address: false\n",
       "devices[1].pin_address: host already fixes the address"},
      {"push command_attempts 0", minimalConfig() + "push:\n  command_attempts: 0\n",
       "push.command_attempts: expected an integer from 1 to 100"},
  };
  const std::regex located(R"(^agent\.yaml:[0-9]+:[0-9]+: )");
  for (const auto& error_case : cases) {
    SCOPED_TRACE(error_case.what + ":\n" + error_case.text);
    const std::string message = errorOf(error_case.text);
    EXPECT_NE(message.find(error_case.expected), std::string::npos) << message;
    EXPECT_TRUE(std::regex_search(message, located)) << message;
  }
}

TEST(AgentConfig, PushTerminalsAndTheListener) {
  auto config = parse(minimalConfig() +
                      "  - name: gate\n    protocol: push\n    serial: CKJF202560310\n"
                      "    host: 10.7.0.30\n    time_zone: Asia/Kolkata\n"
                      "  - name: canteen\n    protocol: push\n    serial: CKJF202560311\n"
                      "    comm_key: 58273914\n    pin_address: false\n"
                      "push:\n  listen: 0.0.0.0:8085\n  delay: 5s\n  max_body: 1MiB\n");
  ASSERT_TRUE(config.ok()) << config.error().toString();
  ASSERT_EQ(config->devices.size(), 3U);
  EXPECT_EQ(config->devices[0].protocol, "zk");
  EXPECT_EQ(config->devices[1].protocol, "push");
  const PushDeviceConfig& gate = push(config->devices[1]);
  EXPECT_EQ(gate.serial, "CKJF202560310");
  EXPECT_EQ(gate.host, "10.7.0.30");
  EXPECT_EQ(gate.time_zone, "Asia/Kolkata");
  EXPECT_TRUE(gate.pin_address);
  EXPECT_EQ(gate.comm_key, "");
  EXPECT_FALSE(gate.pinsAddress()) << "host is the pin";
  const PushDeviceConfig& canteen = push(config->devices[2]);
  EXPECT_EQ(canteen.comm_key, "58273914");
  EXPECT_FALSE(canteen.pin_address);
  EXPECT_FALSE(canteen.pinsAddress());
  EXPECT_TRUE(push(parse(minimalConfig() + "  - name: gate\n    protocol: push\n    serial: CK1\n")
                       ->devices[1])
                  .pinsAddress())
      << "pinned by default";
  EXPECT_EQ(pushConfig(config->terminalSetup()).listen, "0.0.0.0:8085");
  EXPECT_EQ(pushConfig(config->terminalSetup()).delay, 5s);
  EXPECT_EQ(pushConfig(config->terminalSetup()).max_body, 1U << 20U);
  EXPECT_TRUE(servesPush(config->terminalSetup()));
  // No push terminal and no discovery: no listener.
  EXPECT_FALSE(servesPush(parse(minimalConfig())->terminalSetup()));
  EXPECT_TRUE(
      servesPush(parse(minimalConfig() + "push:\n  accept_unknown: true\n")->terminalSetup()));
  // --check-config shows the push settings and terminal.
  const std::string described = describeAgentConfig(*config);
  EXPECT_NE(described.find("push:\n  listen: \"0.0.0.0:8085\""), std::string::npos) << described;
  EXPECT_NE(described.find("    protocol: push\n    serial: \"CKJF202560310\""), std::string::npos)
      << described;
  EXPECT_EQ(described.find("58273914"), std::string::npos) << described;
  EXPECT_NE(described.find("    pin_address: false\n    comm_key: \"<redacted>\""),
            std::string::npos)
      << described;
  EXPECT_NE(described.find("    pin_address: true\n    comm_key: \"\""), std::string::npos)
      << described;
}

}  // namespace
}  // namespace punchlink::agent
