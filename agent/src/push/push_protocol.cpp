#include "push_protocol.hpp"

#include "push/push_config.hpp"
#include "push/push_listener.hpp"

namespace punchlink::agent {

namespace {

class PushTerminals final : public TerminalGroup {
 public:
  explicit PushTerminals(std::unique_ptr<PushListener> listener) : listener_(std::move(listener)) {}

  // TerminalGroup
  void start() override {}  // the listener serves from open() on, as terminals call at any time

  void stop() override { listener_->stop(); }

  Terminal* find(const std::string& key) override { return listener_->find(key); }

  void forEach(const std::function<void(Terminal&)>& visit) override { listener_->forEach(visit); }

 private:
  std::unique_ptr<PushListener> listener_;
};

class PushProtocol final : public TerminalProtocol {
 public:
  // TerminalProtocol
  std::string_view name() const override { return kPushProtocolName; }

  DeviceSettingsPtr parseDevice(config::YamlMap& map) const override {
    return std::make_shared<const PushDeviceConfig>(parsePushDevice(map));
  }

  bool hasSection() const override { return true; }

  ProtocolSettingsPtr parseSection(config::YamlMap* map) const override {
    return std::make_shared<const PushConfig>(map != nullptr ? parsePushSection(*map)
                                                             : PushConfig{});
  }

  Result<TerminalGroupPtr> open(const TerminalSetup& setup,
                                const TerminalContext& context) const override {
    if (!servesPush(setup)) {
      return TerminalGroupPtr{};
    }
    std::vector<PushListener::Configured> terminals;
    for (const auto& device : setup.devices) {
      if (device.protocol == kPushProtocolName) {
        terminals.push_back({device.name, device.settingsAs<PushDeviceConfig>()});
      }
    }
    auto listener =
        std::make_unique<PushListener>(pushConfig(setup), std::move(terminals), context.outbox,
                                       context.sinks, context.logger.child("push"), context.clock);
    if (auto listening = listener->start(); !listening) {
      return listening.error();
    }
    return TerminalGroupPtr(std::make_unique<PushTerminals>(std::move(listener)));
  }
};

}  // namespace

TerminalProtocolPtr makePushProtocol() { return std::make_unique<PushProtocol>(); }

}  // namespace punchlink::agent
