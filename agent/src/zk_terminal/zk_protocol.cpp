#include "zk_protocol.hpp"

#include "zk_terminal/device_session.hpp"
#include "zk_terminal/zk_device_config.hpp"

#include <vector>

namespace punchlink::agent::zk_terminal {

namespace {

constexpr std::string_view kName = "zk";

class ZkTerminals final : public TerminalGroup {
 public:
  explicit ZkTerminals(std::vector<std::unique_ptr<DeviceSession>> sessions)
      : sessions_(std::move(sessions)) {}

  // TerminalGroup
  void start() override {
    for (auto& session : sessions_) {
      session->start();
    }
  }

  void stop() override {
    for (auto& session : sessions_) {
      session->stop();
    }
  }

  Terminal* find(const std::string& key) override {
    for (auto& session : sessions_) {
      if (session->name() == key || (!key.empty() && session->serial() == key)) {
        return session.get();
      }
    }
    return nullptr;
  }

  void forEach(const std::function<void(Terminal&)>& visit) override {
    for (auto& session : sessions_) {
      visit(*session);
    }
  }

 private:
  std::vector<std::unique_ptr<DeviceSession>> sessions_;
};

class ZkProtocol final : public TerminalProtocol {
 public:
  explicit ZkProtocol(zk_net::ZkLinkFactory connect) : connect_(std::move(connect)) {}

  // TerminalProtocol
  std::string_view name() const override { return kName; }

  DeviceSettingsPtr parseDevice(config::YamlMap& map) const override {
    return std::make_shared<const ZkDeviceConfig>(parseZkDevice(map));
  }

  Result<TerminalGroupPtr> open(const TerminalSetup& setup,
                                const TerminalContext& context) const override {
    std::vector<std::unique_ptr<DeviceSession>> sessions;
    for (const auto& device : setup.devices) {
      if (device.protocol == kName) {
        sessions.push_back(std::make_unique<DeviceSession>(
            device.name, device.settingsAs<ZkDeviceConfig>(), context.outbox,
            context.status_interval, context.sinks, context.clocks, context.logger.child("device"),
            context.clock, connect_));
      }
    }
    if (sessions.empty()) {
      return TerminalGroupPtr{};
    }
    return TerminalGroupPtr(std::make_unique<ZkTerminals>(std::move(sessions)));
  }

 private:
  zk_net::ZkLinkFactory connect_;
};

}  // namespace

TerminalProtocolPtr makeZkProtocol(zk_net::ZkLinkFactory connect) {
  return std::make_unique<ZkProtocol>(std::move(connect));
}

}  // namespace punchlink::agent::zk_terminal
