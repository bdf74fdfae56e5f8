// The admin commands' argument checks and `webhooks ensure`, on a temporary store.
#include "admin/admin_cli.hpp"

#include "store/store.hpp"
#include "tenancy/tenancy.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <sstream>

namespace punchlink::relay {
namespace {

const std::string kUrl = "http://127.0.0.1:8090/webhooks/punchlink";
const std::string kMarker = "punchlink demo receiver (scripts/demo_receiver.py)";

class AdminCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = openStore(storage_.location(), clock_);
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(store.value());
    ASSERT_TRUE(store_->migrate().ok());
    tenant_ = tenancy::createTenant(store_->tenants(), "Acme").value().id;
    options_.url_policy = {true, true};  // the demo relay's: plain http on loopback
  }

  // Runs an admin command; its stdout and stderr are in out_ and err_ afterwards.
  int run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    return runAdminCommand(*store_, options_, clock_, args, out_, err_);
  }

  // `webhooks ensure` for the demo receiver at `url`, plus `extra` arguments.
  int ensure(const std::string& url, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"webhooks",      "ensure", "--tenant",      tenant_,
                                     "--url",         url,      "--secret-file", secret_file_,
                                     "--description", kMarker};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }

  // The id printed by the last ensure, and what it said it did.
  std::string printedId() const { return out_.str().substr(0, out_.str().find('\t')); }

  std::string printedOutcome() const {
    const std::string text = out_.str();
    const auto tab = text.find('\t');
    return tab == std::string::npos ? "" : text.substr(tab + 1, text.size() - tab - 2);
  }

  std::vector<WebhookEndpoint> endpoints() {
    return store_->endpoints().listEndpoints(tenant_).value();
  }

  std::string secretInFile() const {
    const std::string text = testing::readFile(secret_file_);
    return text.substr(0, text.find('\n'));
  }

  testing::TempDir dir_;
  testing::RelayStorage storage_{dir_};
  SystemClock clock_;
  StorePtr store_;
  AdminOptions options_;
  std::string tenant_;
  std::string secret_file_ = dir_.file("webhook-secret").string();
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(AdminCliTest, EnsureCreatesTheEndpointAndWritesItsSecret) {
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();
  EXPECT_EQ(printedOutcome(), "created");
  const auto all = endpoints();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(printedId(), all[0].id);
  EXPECT_EQ(all[0].url, kUrl);
  EXPECT_EQ(all[0].description, kMarker);
  EXPECT_EQ(all[0].events, "[]");  // every event type
  EXPECT_EQ(secretInFile(), all[0].secret);
  EXPECT_EQ(testing::readFile(secret_file_), all[0].secret + "\n");

  struct stat info {};

  ASSERT_EQ(::stat(secret_file_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
}

TEST_F(AdminCliTest, EnsureAgainKeepsTheEndpointAndItsSecret) {
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();
  const std::string id = printedId();
  const std::string secret = secretInFile();
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();
  EXPECT_EQ(out_.str(), id + "\tunchanged\n");
  EXPECT_EQ(secretInFile(), secret);
  ASSERT_EQ(endpoints().size(), 1U);
  EXPECT_EQ(endpoints()[0].secret, secret);
}

TEST_F(AdminCliTest, EnsureWithANewUrlUpdatesTheSameEndpoint) {
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();
  const std::string id = printedId();
  const std::string secret = secretInFile();
  const std::string moved = "http://127.0.0.1:9191/webhooks/punchlink";
  ASSERT_EQ(ensure(moved), 0) << err_.str();
  EXPECT_EQ(out_.str(), id + "\turl updated\n");
  ASSERT_EQ(endpoints().size(), 1U);
  EXPECT_EQ(endpoints()[0].url, moved);
  EXPECT_EQ(secretInFile(), secret);
}

TEST_F(AdminCliTest, EnsureWithoutDescriptionFindsTheEndpointByUrl) {
  const std::vector<std::string> args = {"webhooks", "ensure", "--tenant",      tenant_,
                                         "--url",    kUrl,     "--secret-file", secret_file_};
  ASSERT_EQ(run(args), 0) << err_.str();
  const std::string id = printedId();
  ASSERT_EQ(run(args), 0) << err_.str();
  EXPECT_EQ(out_.str(), id + "\tunchanged\n");
  EXPECT_EQ(endpoints().size(), 1U);
}

TEST_F(AdminCliTest, EnsureRotatesTheSecretOfAnEndpointWhoseSecretFileIsLostOrStale) {
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();
  const std::string id = printedId();
  const std::string first = secretInFile();
  std::filesystem::remove(secret_file_);
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();
  EXPECT_EQ(out_.str(), id + "\tsecret rotated\n");
  const std::string second = secretInFile();
  EXPECT_NE(second, first);
  ASSERT_EQ(endpoints().size(), 1U);  // a new secret, not a duplicate endpoint
  EXPECT_EQ(endpoints()[0].secret, second);
  // The old secret stops signing at once: whoever held it lost it.
  EXPECT_LE(endpoints()[0].previous_secret_expires, std::chrono::system_clock::now());

  dir_.write("webhook-secret", "whsec_not-this-one\n");
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();
  EXPECT_EQ(printedOutcome(), "secret rotated");
  EXPECT_EQ(secretInFile(), endpoints()[0].secret);
}

TEST_F(AdminCliTest, EnsureSetsEventsAndEnablesADisabledEndpoint) {
  ASSERT_EQ(ensure(kUrl, {"--events", "attendance.punch,device.offline"}), 0) << err_.str();
  EXPECT_EQ(endpoints()[0].events, R"(["attendance.punch","device.offline"])");
  ASSERT_EQ(ensure(kUrl, {"--events", "device.offline,attendance.punch"}), 0) << err_.str();
  EXPECT_EQ(printedOutcome(), "unchanged");  // the same set in another order
  EndpointChanges disable;
  disable.enabled = false;
  ASSERT_TRUE(
      store_->endpoints()
          .updateEndpoint(tenant_, printedId(), disable,
                          std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now()))
          .ok());
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();
  EXPECT_EQ(printedOutcome(), "events updated, enabled again");
  EXPECT_EQ(endpoints()[0].events, "[]");
  EXPECT_TRUE(endpoints()[0].enabled);
}

TEST_F(AdminCliTest, EnsureSetsEventsPerRequestOnlyWhenAsked) {
  ASSERT_EQ(ensure(kUrl, {"--max-events-per-request", "50"}), 0) << err_.str();
  EXPECT_EQ(endpoints()[0].max_events_per_request, 50);
  ASSERT_EQ(ensure(kUrl, {"--max-events-per-request", "50"}), 0) << err_.str();
  EXPECT_EQ(printedOutcome(), "unchanged");
  ASSERT_EQ(ensure(kUrl), 0) << err_.str();  // not given: kept as it is
  EXPECT_EQ(printedOutcome(), "unchanged");
  EXPECT_EQ(endpoints()[0].max_events_per_request, 50);
  ASSERT_EQ(ensure(kUrl, {"--max-events-per-request", "1"}), 0) << err_.str();
  EXPECT_EQ(printedOutcome(), "events per request updated");
  EXPECT_EQ(endpoints()[0].max_events_per_request, 1);
  for (const std::string bad : {"0", "101", "-5", "ten", "", "99999999999999999999"}) {
    EXPECT_EQ(ensure(kUrl, {"--max-events-per-request", bad}), 2) << bad;
    EXPECT_NE(err_.str().find("--max-events-per-request needs a whole number from 1"),
              std::string::npos)
        << err_.str();
  }
  EXPECT_EQ(endpoints()[0].max_events_per_request, 1);
}

TEST_F(AdminCliTest, EnsureRefusesUrlsTheRelayWouldNotCall) {
  EXPECT_EQ(ensure("ftp://127.0.0.1/hook"), 2);
  EXPECT_NE(err_.str().find("--url ftp://127.0.0.1/hook: the URL must start with https://"),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(ensure(""), 2);
  EXPECT_EQ(ensure("https://" + std::string(2100, 'a') + ".example/"), 2);
  options_.url_policy = {};  // a production relay's policy
  EXPECT_EQ(ensure(kUrl), 2);
  EXPECT_NE(err_.str().find("webhooks.allow_http"), std::string::npos) << err_.str();
  EXPECT_EQ(ensure("https://127.0.0.1/hook"), 2);
  EXPECT_NE(err_.str().find("webhooks.allow_private_networks"), std::string::npos) << err_.str();
  EXPECT_TRUE(endpoints().empty());
  EXPECT_FALSE(std::filesystem::exists(secret_file_));
}

TEST_F(AdminCliTest, EnsureNeedsAnExistingTenant) {
  tenant_ = "ten_nope";
  EXPECT_EQ(ensure(kUrl), 1);
  EXPECT_NE(err_.str().find("no tenant ten_nope"), std::string::npos) << err_.str();
  EXPECT_FALSE(std::filesystem::exists(secret_file_));
}

TEST_F(AdminCliTest, EnsureChecksEveryArgument) {
  const auto refused = [&](const std::vector<std::string>& args, const std::string& message) {
    EXPECT_EQ(run(args), 2) << message;
    EXPECT_NE(err_.str().find(message), std::string::npos) << err_.str();
    EXPECT_NE(err_.str().find("usage:"), std::string::npos);
  };
  const std::vector<std::string> base = {"webhooks", "ensure", "--tenant", tenant_, "--url", kUrl};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  refused(base, "needs --secret-file PATH");
  refused({"webhooks", "ensure", "--url", kUrl, "--secret-file", secret_file_}, "needs --tenant");
  refused({"webhooks", "ensure", "--tenant", tenant_, "--secret-file", secret_file_},
          "needs --url");
  refused(with({"--secret-file", secret_file_, "--colour", "red"}),
          "unknown option --colour for webhooks ensure");
  refused(with({"--secret-file", secret_file_, "--url", kUrl}), "--url is given twice");
  refused(with({"--secret-file", secret_file_, "--events"}), "--events needs a value");
  refused(with({"--secret-file", secret_file_, "--test"}), "--test is only for keys create");
  refused(with({"--secret-file", secret_file_, "extra"}), "unexpected extra");
  refused(with({"--secret-file", (dir_.path() / "no-such-folder" / "secret").string()}),
          "does not exist; create it first");
  refused(with({"--secret-file", secret_file_, "--events", "attendance.punch,"}),
          "\"\" is not an event type");
  refused(with({"--secret-file", secret_file_, "--events", "punch"}), "\"punch\" is not an event");
  refused(with({"--secret-file", secret_file_, "--events", "device.online,device.online"}),
          "names device.online twice");
  refused(with({"--secret-file", secret_file_, "--description", ""}), "--description needs");
  refused(with({"--secret-file", secret_file_, "--description", std::string(501, 'x')}),
          "--description needs");
  // A folder where the secret file should be is a mistake, not something to replace.
  refused(with({"--secret-file", dir_.path().string()}), "is not a file");
  EXPECT_TRUE(endpoints().empty());
}

TEST_F(AdminCliTest, OtherCommandsRefuseOptionsTheyDoNotTake) {
  EXPECT_EQ(run({"keys", "create", "--tenant", tenant_, "--lable", "erp"}), 2);
  EXPECT_NE(err_.str().find("unknown option --lable for keys create"), std::string::npos);
  EXPECT_EQ(run({"tenants", "list", "--test"}), 2);
  EXPECT_EQ(run({"sites", "create", "--tenant", tenant_, "--tenant", tenant_, "plant-1"}), 2);
  EXPECT_NE(err_.str().find("--tenant is given twice"), std::string::npos);
  EXPECT_EQ(run({"keys", "create", "--tenant", tenant_, "--test", "--label", "ci"}), 0)
      << err_.str();
  EXPECT_NE(out_.str().find("sk_test_"), std::string::npos);
}

TEST_F(AdminCliTest, ATenantsActiveKeysAreCapped) {
  options_.max_api_keys = 2;
  ASSERT_EQ(run({"keys", "create", "--tenant", tenant_}), 0) << err_.str();
  ASSERT_EQ(run({"keys", "create", "--tenant", tenant_, "--test"}), 0) << err_.str();
  EXPECT_EQ(run({"keys", "create", "--tenant", tenant_}), 1);
  EXPECT_NE(err_.str().find("has 2 active API keys, the most allowed"), std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("limits.api_keys_per_tenant"), std::string::npos);
  // A revoked key frees its place.
  const auto keys = store_->apiKeys().listApiKeys(tenant_).value();
  ASSERT_EQ(run({"keys", "revoke", keys.front().id}), 0) << err_.str();
  EXPECT_EQ(run({"keys", "create", "--tenant", tenant_}), 0) << err_.str();
}

}  // namespace
}  // namespace punchlink::relay
