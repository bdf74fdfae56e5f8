// The terminal protocol registry: a protocol added to a registry reads its own device keys and
// section and builds its own terminals, with no change to the config parser or the app; and the
// two built-in protocols build their terminals from a parsed config.
#include "app/builtin_protocols.hpp"
#include "config/agent_config.hpp"
#include "push/push_protocol.hpp"
#include "terminals/protocol_registry.hpp"
#include "zk_terminal/zk_device_config.hpp"
#include "zk_terminal/zk_protocol.hpp"
#include "zk_terminal_fixture.hpp"

namespace punchlink::agent {
namespace {

struct SerialLineDevice final : DeviceSettings {
  std::string port_path;

  std::string configuredSerial() const override { return "SL-" + port_path; }

  void describe(std::ostream& out) const override {
    out << "    port_path: " << yamlQuoted(port_path) << "\n";
  }
};

struct SerialLineSection final : ProtocolSettings {
  int baud = 9600;

  void describe(std::ostream& out) const override { out << "  baud: " << baud << "\n"; }
};

class SerialLineTerminal final : public Terminal {
 public:
  explicit SerialLineTerminal(std::string name) : name_(std::move(name)) {}

  const std::string& name() const noexcept override { return name_; }

  std::string serial() const override { return {}; }

  bool online() const override { return false; }

  std::string statusJson() const override { return {}; }

  void enqueue(Command, std::chrono::system_clock::time_point) override {}

 private:
  std::string name_;
};

class SerialLineGroup final : public TerminalGroup {
 public:
  void start() override { started = true; }

  void stop() override { started = false; }

  Terminal* find(const std::string& key) override {
    for (auto& terminal : terminals) {
      if (terminal->name() == key) {
        return terminal.get();
      }
    }
    return nullptr;
  }

  void forEach(const std::function<void(Terminal&)>& visit) override {
    for (auto& terminal : terminals) {
      visit(*terminal);
    }
  }

  std::vector<std::unique_ptr<SerialLineTerminal>> terminals;
  bool started = false;
};

// A third protocol, as a new folder would add it.
class SerialLineProtocol final : public TerminalProtocol {
 public:
  std::string_view name() const override { return "serial"; }

  DeviceSettingsPtr parseDevice(config::YamlMap& map) const override {
    auto device = std::make_shared<SerialLineDevice>();
    device->port_path = map.required<std::string>("port_path");
    return device;
  }

  bool hasSection() const override { return true; }

  ProtocolSettingsPtr parseSection(config::YamlMap* map) const override {
    auto section = std::make_shared<SerialLineSection>();
    if (map != nullptr) {
      section->baud = map->getInRange("baud", section->baud, 1200, 115200);
    }
    return section;
  }

  Result<TerminalGroupPtr> open(const TerminalSetup& setup, const TerminalContext&) const override {
    auto group = std::make_unique<SerialLineGroup>();
    for (const auto& device : setup.devices) {
      if (device.protocol == name()) {
        group->terminals.push_back(std::make_unique<SerialLineTerminal>(device.name));
      }
    }
    return TerminalGroupPtr(std::move(group));
  }
};

ProtocolRegistry withSerialLine() {
  ProtocolRegistry registry;
  registry.add(zk_terminal::makeZkProtocol());
  registry.add(makePushProtocol());
  registry.add(std::make_unique<SerialLineProtocol>());
  return registry;
}

Result<AgentConfig> parse(const std::string& text, const ProtocolRegistry& protocols) {
  auto doc = config::YamlDocument::loadString(text, "agent.yaml");
  if (!doc) {
    return doc.error();
  }
  return parseAgentConfig(*doc, protocols);
}

const std::string kConfig =
    "site_id: plant-7\n"
    "uplink:\n"
    "  broker: mqtt://localhost:1883\n"
    "serial:\n"
    "  baud: 19200\n"
    "devices:\n"
    "  - name: main-entrance\n"
    "    host: 10.7.0.21\n"
    "  - name: canteen\n"
    "    protocol: serial\n"
    "    port_path: /dev/ttyUSB0\n";

TEST(TerminalProtocols, BuiltinAreZkByDefaultThenPush) {
  EXPECT_EQ(builtinProtocols().names(), (std::vector<std::string>{"zk", "push"}));
  EXPECT_EQ(builtinProtocols().defaultProtocol().name(), "zk");
  EXPECT_EQ(builtinProtocols().find("soap"), nullptr);
  ProtocolRegistry twice;
  twice.add(makePushProtocol());
  EXPECT_THROW(twice.add(makePushProtocol()), std::logic_error);
}

TEST(TerminalProtocols, AnAddedProtocolReadsItsOwnDevicesAndSection) {
  const ProtocolRegistry protocols = withSerialLine();
  auto config = parse(kConfig, protocols);
  ASSERT_TRUE(config.ok()) << config.error().toString();
  ASSERT_EQ(config->devices.size(), 2U);
  EXPECT_EQ(config->devices[0].protocol, "zk");
  EXPECT_EQ(config->devices[1].protocol, "serial");
  EXPECT_EQ(config->devices[1].settingsAs<SerialLineDevice>().port_path, "/dev/ttyUSB0");
  const SerialLineSection* section = config->section<SerialLineSection>("serial");
  ASSERT_NE(section, nullptr);
  EXPECT_EQ(section->baud, 19200);
  EXPECT_THROW((void)config->devices[1].settingsAs<zk_terminal::ZkDeviceConfig>(), std::bad_cast);

  const std::string described = describeAgentConfig(*config, protocols);
  EXPECT_NE(described.find("serial:\n  baud: 19200\ndevices:\n"), std::string::npos) << described;
  EXPECT_NE(described.find("  - name: \"canteen\"\n    protocol: serial\n    port_path: "
                           "\"/dev/ttyUSB0\"\n"),
            std::string::npos)
      << described;

  // Without the protocol, neither its devices nor its section are known.
  auto without = parse(kConfig, builtinProtocols());
  ASSERT_FALSE(without.ok());
  EXPECT_NE(
      without.error().message.find("devices[1].protocol: must be one of zk, push, got \"serial\""),
      std::string::npos)
      << without.error().message;
  without = parse(kConfig.substr(0, kConfig.find("  - name: canteen")), builtinProtocols());
  ASSERT_FALSE(without.ok());
  EXPECT_NE(without.error().message.find("agent.yaml:4:1: serial: unknown key"), std::string::npos)
      << without.error().message;
}

TEST(TerminalProtocols, ErrorsOfAnAddedProtocolAreLocatedAndNameItsKeys) {
  const ProtocolRegistry protocols = withSerialLine();
  auto unknown = parse(
      "site_id: plant-7\nuplink:\n  broker: mqtt://localhost:1883\n"
      "devices:\n  - name: a\n    protocol: soap\n",
      protocols);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find(
                "agent.yaml:6:15: devices[0].protocol: must be one of zk, push, serial"),
            std::string::npos)
      << unknown.error().message;

  auto stray = parse(
      "site_id: plant-7\nuplink:\n  broker: mqtt://localhost:1883\n"
      "devices:\n  - name: a\n    protocol: serial\n    port_path: /dev/ttyS0\n    host: x\n",
      protocols);
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.error().message.find("devices[0].host: unknown key (known keys here: name, "
                                       "port_path, protocol)"),
            std::string::npos)
      << stray.error().message;

  auto twice = parse(
      "site_id: plant-7\nuplink:\n  broker: mqtt://localhost:1883\n"
      "devices:\n  - name: a\n    protocol: serial\n    port_path: p\n"
      "  - name: b\n    protocol: serial\n    port_path: p\n",
      protocols);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("devices[1].serial: \"SL-p\" is listed twice"),
            std::string::npos)
      << twice.error().message;
}

class BuiltinProtocolsTest : public ::testing::Test, public zk_terminal::ZkTerminalFixture {
 protected:
  TerminalContext context() {
    if (!clocks) {
      clocks = std::make_unique<ClockPolicies>(*outbox, ClockSettings{},
                                               std::map<std::string, ClockSettings>{});
    }
    return {*outbox, {}, logger, clock, std::chrono::seconds{60}, *clocks};
  }

  std::unique_ptr<ClockPolicies> clocks;
};

TEST_F(BuiltinProtocolsTest, EachBuildsOnlyItsOwnTerminals) {
  const ProtocolRegistry protocols = withSerialLine();
  auto config = parse(kConfig, protocols);
  ASSERT_TRUE(config.ok()) << config.error().toString();

  const auto zk = zk_terminal::makeZkProtocol(links.factory());
  auto zk_terminals = zk->open(config->terminalSetup(), context());
  ASSERT_TRUE(zk_terminals.ok());
  ASSERT_NE(zk_terminals->get(), nullptr);
  std::vector<std::string> names;
  (*zk_terminals)->forEach([&](Terminal& terminal) { names.push_back(terminal.name()); });
  EXPECT_EQ(names, std::vector<std::string>{"main-entrance"});
  EXPECT_NE((*zk_terminals)->find("main-entrance"), nullptr);
  EXPECT_EQ((*zk_terminals)->find("canteen"), nullptr);
  EXPECT_EQ((*zk_terminals)->find(""), nullptr);

  // No push terminal and no discovery: the push protocol has nothing to run (and binds nothing).
  auto push_terminals = makePushProtocol()->open(config->terminalSetup(), context());
  ASSERT_TRUE(push_terminals.ok());
  EXPECT_EQ(push_terminals->get(), nullptr);

  auto serial_terminals = protocols.find("serial")->open(config->terminalSetup(), context());
  ASSERT_TRUE(serial_terminals.ok());
  EXPECT_NE((*serial_terminals)->find("canteen"), nullptr);
}

}  // namespace
}  // namespace punchlink::agent
