// Commands left "queued" by a broker outage go out once sending works again; stale ones fail.
#include "commands/command_resender.hpp"

#include "store/store.hpp"
#include "tenancy/tenancy.hpp"

#include <punchlink/common/utc_time.hpp>
#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

namespace punchlink::relay {
namespace {

class SwitchableSender final : public CommandSender {
 public:
  Status send(const std::string& site_id, const std::string& payload) override {
    if (!up) {
      return makeError(ErrorCode::Unavailable, "broker down");
    }
    sent.emplace_back(site_id, payload);
    return {};
  }

  bool up = false;
  std::vector<std::pair<std::string, std::string>> sent;
};

class CommandResenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.setWall(std::chrono::system_clock::now());
    store_ = std::move(openStore(storage_.location(), clock_).value());
    ASSERT_TRUE(store_->migrate().ok());
    tenant_ = tenancy::createTenant(store_->tenants(), "Acme").value().id;
    ASSERT_TRUE(tenancy::createSite(store_->tenants(), tenant_, "plant-1").ok());
    tracker_ = std::make_unique<CommandTracker>(store_->unitOfWork(), store_->commands(),
                                                store_->users(), store_->outbox());
  }

  void queue(const std::string& id, std::chrono::system_clock::time_point created) {
    CommandRecord command;
    command.id = id;
    command.tenant_id = tenant_;
    command.site_id = "plant-1";
    command.device_serial = "SN1";
    command.type = "delete_user";
    command.user_id = "7";
    command.payload = R"({"command_id":")" + id + R"("})";
    command.state = "queued";
    command.created_at = std::chrono::floor<std::chrono::seconds>(created);
    command.updated_at = command.created_at;
    ASSERT_TRUE(store_->commands().createCommand(command).ok());
  }

  std::string state(const std::string& id) {
    return store_->commands().findCommand(tenant_, id).value().value().state;
  }

  testing::TempDir dir_;
  testing::RelayStorage storage_{dir_};
  testing::ManualClock clock_;
  StorePtr store_;
  std::unique_ptr<CommandTracker> tracker_;
  std::string tenant_;
  SwitchableSender sender_;
  Logger logger_{"commands", LogLevel::Error, StderrSink::detect(), clock_};
};

TEST_F(CommandResenderTest, QueuedCommandsGoOutOnceTheBrokerIsBack) {
  queue("cmd_a", clock_.now());
  queue("cmd_b", clock_.now());
  CommandResender resender(store_->commands(), *tracker_, sender_, clock_, logger_);
  EXPECT_EQ(resender.sweep(), 0U);  // broker still down: nothing lost, still queued
  EXPECT_EQ(state("cmd_a"), "queued");
  sender_.up = true;
  EXPECT_EQ(resender.sweep(), 2U);
  EXPECT_EQ(state("cmd_a"), "sent");
  EXPECT_EQ(state("cmd_b"), "sent");
  ASSERT_EQ(sender_.sent.size(), 2U);
  EXPECT_EQ(sender_.sent[0].first, "plant-1");
  EXPECT_EQ(resender.sweep(), 0U);  // sent once only
}

TEST_F(CommandResenderTest, APokeSweepsWithoutWaitingForTheInterval) {
  queue("cmd_a", clock_.now());
  sender_.up = true;
  CommandResender resender(store_->commands(), *tracker_, sender_, clock_, logger_,
                           {std::chrono::hours{1}});
  resender.poke();
  // The sweep runs on the resender's thread; the interval (1 h) would never come in the test.
  EXPECT_TRUE(testing::eventually([&] { return state("cmd_a") == "sent"; }, std::chrono::seconds{2},
                                  std::chrono::milliseconds{5}));
}

TEST_F(CommandResenderTest, CommandsQueuedTooLongFailWithAReason) {
  queue("cmd_old", clock_.now() - std::chrono::hours{25});
  sender_.up = true;
  CommandResender resender(store_->commands(), *tracker_, sender_, clock_, logger_);
  EXPECT_EQ(resender.sweep(), 0U);
  const auto command = store_->commands().findCommand(tenant_, "cmd_old").value().value();
  EXPECT_EQ(command.state, "failed");
  EXPECT_EQ(command.error, "the site's agent could not be reached for 1d; send the request again");
  EXPECT_TRUE(sender_.sent.empty());
}

}  // namespace
}  // namespace punchlink::relay
