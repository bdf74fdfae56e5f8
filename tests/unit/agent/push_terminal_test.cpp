// PushTerminal and the command plans, driven with parsed requests: no sockets, a manual clock,
// a real outbox in a temporary folder.
#include "push/push_terminal.hpp"

#include "push/push_command_plan.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/event_id.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace punchlink::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kSerial = "CKJF202560310";

adms::IclockQuery query(const std::string& text) {
  auto parsed = adms::parseIclockQuery(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.valueOr(adms::IclockQuery{});
}

Command command(const std::string& payload) {
  auto parsed = contract::decodeCommand(payload);
  EXPECT_TRUE(parsed.ok()) << payload;
  return parsed.valueOr(Command{});
}

class PushTerminalTest : public ::testing::Test {
 protected:
  PushTerminalTest() {
    outbox_ = Outbox::open(dir_.file("outbox.db").string(), 1 << 30, 80).value();
    push_.offline_after = 30s;
    push_.command_timeout = 20s;
    push_.command_attempts = 2;
    PushDeviceConfig device;
    device.serial = kSerial;
    device.time_zone = "Asia/Kolkata";
    terminal_ = std::make_unique<PushTerminal>(
        "gate", device, push_, *outbox_,
        TerminalSinks{[this](const std::string&, const std::string& status) {
                        statuses_.push_back(json::parse(status));
                      },
                      [this](const Command& done, const CommandOutcome& outcome) {
                        outcomes_.emplace_back(done.command_id, outcome);
                      },
                      [this](std::size_t rows) { new_rows_ += rows; }},
        logger_, clock_);
  }

  PushReply get(adms::Endpoint endpoint, const std::string& text) {
    return terminal_->handle(
        {endpoint, false, query("SN=" + std::string(kSerial) + text), "", "10.0.0.7"});
  }

  PushReply post(adms::Endpoint endpoint, const std::string& text, const std::string& body) {
    return terminal_->handle(
        {endpoint, true, query("SN=" + std::string(kSerial) + text), body, "10.0.0.7"});
  }

  std::size_t pending() { return static_cast<std::size_t>(outbox_->stats()->pending); }

  testing::TempDir dir_{"punchlink-push-terminal"};
  testing::ManualClock clock_;
  Logger logger_{"test", LogLevel::Error, StderrSink::detect(), clock_};
  PushConfig push_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<PushTerminal> terminal_;
  std::vector<json> statuses_;
  std::vector<std::pair<std::string, CommandOutcome>> outcomes_;
  std::size_t new_rows_ = 0;
};

TEST_F(PushTerminalTest, HandshakeHandsBackTheStampOfTheLastStoredUpload) {
  auto first = get(adms::Endpoint::Cdata, "&options=all&pushver=2.4.1&DeviceType=att");
  ASSERT_EQ(first.status, 200);
  EXPECT_TRUE(first.body.starts_with("GET OPTION FROM: CKJF202560310\n")) << first.body;
  EXPECT_NE(first.body.find("ATTLOGStamp=None\n"), std::string::npos);
  EXPECT_NE(first.body.find("TimeZone=330\n"), std::string::npos) << first.body;  // +05:30
  EXPECT_NE(first.body.find("TransFlag=TransData AttLog\tOpLog"), std::string::npos);
  EXPECT_EQ(first.body.find("AttPhoto"), std::string::npos);

  ASSERT_EQ(post(adms::Endpoint::Cdata, "&table=ATTLOG&Stamp=500",
                 "7\t2026-03-01 09:00:00\t0\t1\n8\t2026-03-01 09:00:05\t1\t15\n")
                .body,
            "OK:2");
  EXPECT_EQ(new_rows_, 2U);
  // The refused batch does not move the stamp.
  EXPECT_EQ(post(adms::Endpoint::Cdata, "&table=ATTLOG&Stamp=600", "bad line\n").status, 400);
  // Nor do rows a query asked for.
  EXPECT_EQ(post(adms::Endpoint::Cdata, "&table=ATTLOG&Stamp=9999&CmdId=77",
                 "7\t2026-03-01 09:00:00\t0\t1\n")
                .body,
            "OK:1");
  // OPERLOG and BIODATA stamps come back too, from the same read.
  ASSERT_EQ(post(adms::Endpoint::Cdata, "&table=OPERLOG&Stamp=77",
                 "OPLOG 4\t0\t2026-03-01 09:00:00\t0\t0\t0\t0\n")
                .body,
            "OK:1");
  ASSERT_EQ(post(adms::Endpoint::Cdata, "&table=biodata&Stamp=88", "").body, "OK:0");
  auto again = get(adms::Endpoint::Cdata, "&options=all");
  EXPECT_NE(again.body.find("ATTLOGStamp=500\n"), std::string::npos) << again.body;
  EXPECT_NE(again.body.find("OPERLOGStamp=77\n"), std::string::npos) << again.body;
  EXPECT_NE(again.body.find("BIODATAStamp=88\n"), std::string::npos) << again.body;
  EXPECT_EQ(pending(), 2U);
}

TEST_F(PushTerminalTest, PunchesGetTheSameEventIdsAsOverZkBinary) {
  ASSERT_EQ(post(adms::Endpoint::Cdata, "&table=ATTLOG&Stamp=1",
                 "1001\t2026-07-01 09:15:00\t1\t15\t\t0\t0\n")
                .status,
            200);
  auto rows = outbox_->nextBatch(10, 0).value();
  ASSERT_EQ(rows.size(), 1U);
  const json punch = json::parse(rows[0].payload);
  EXPECT_EQ(
      rows[0].event_id,
      makeEventId(
          kSerial, "1001",
          LocalSeconds{std::chrono::sys_days{std::chrono::year{2026} / 7 / 1}.time_since_epoch() +
                       9h + 15min}));
  EXPECT_EQ(punch["timestamp"], "2026-07-01T03:45:00Z");
  EXPECT_EQ(punch["device_name"], "gate");
  EXPECT_EQ(punch["source"], "push");
  // The same record again (a resend) is one row.
  ASSERT_EQ(
      post(adms::Endpoint::Cdata, "&table=ATTLOG&Stamp=1", "1001\t2026-07-01 09:15:00\t1\t15\n")
          .body,
      "OK:1");
  EXPECT_EQ(pending(), 1U);
}

TEST_F(PushTerminalTest, AnUnreadableInfoDoesNotStopThePoll) {
  terminal_->enqueue(command(R"({"command_id":"c9","device":"gate","type":"restart"})"),
                     clock_.now() + 1h);
  const auto reply = get(adms::Endpoint::GetRequest, "&INFO=not,numbers");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find(":REBOOT"), std::string::npos) << reply.body;
  const json status = json::parse(terminal_->statusJson());
  EXPECT_EQ(status["online"], true);
  EXPECT_NE(status["last_error"].get<std::string>().find("INFO ignored"), std::string::npos);
  EXPECT_TRUE(status.contains("last_error_at"));
}

TEST_F(PushTerminalTest, OnlineWhileItCallsOfflineAfterSilence) {
  EXPECT_EQ(json::parse(terminal_->statusJson())["online"], false);
  ASSERT_EQ(
      get(adms::Endpoint::GetRequest, "&INFO=Ver%202.4.1,12,30,4567,10.0.0.7,10,58,12,2,11110")
          .body,
      "OK");
  json status = json::parse(terminal_->statusJson());
  EXPECT_EQ(status["online"], true);
  EXPECT_EQ(status["users"], 12);
  EXPECT_EQ(status["fingers"], 30);
  EXPECT_EQ(status["logs"], 4567);
  EXPECT_EQ(status["firmware"], "Ver 2.4.1");
  EXPECT_EQ(status["host"], "10.0.0.7");
  clock_.advance(29s);
  terminal_->tick();
  EXPECT_EQ(json::parse(terminal_->statusJson())["online"], true);
  clock_.advance(2s);
  terminal_->tick();
  status = json::parse(terminal_->statusJson());
  EXPECT_EQ(status["online"], false);
  EXPECT_EQ(status["reason"], "no request for 30s");
  ASSERT_FALSE(statuses_.empty());
  EXPECT_EQ(statuses_.back()["online"], false);
}

TEST_F(PushTerminalTest, EnrollIsSentOnThePollAndReportedWhenAllResultsAreIn) {
  const std::string tmpl = crypto::base64Encode(std::string(16, 'x'));
  terminal_->enqueue(command(R"({"command_id":"c1","device":"gate","type":"enroll_user",)"
                             R"("params":{"user_id":"42","name":"Ana","card":7,)"
                             R"("templates":[{"index":3,"data":")" +
                             tmpl + R"("}]}})"),
                     clock_.now() + 1h);
  const auto reply = get(adms::Endpoint::GetRequest, "");
  const auto lines = [&] {
    std::vector<std::string> out;
    std::string line;
    std::istringstream in(reply.body);
    while (std::getline(in, line)) {
      out.push_back(line);
    }
    return out;
  }();
  ASSERT_EQ(lines.size(), 3U) << reply.body;
  const auto id = [](const std::string& line) { return line.substr(2, line.find(':', 2) - 2); };
  EXPECT_NE(lines[0].find(":DATA UPDATE USERINFO PIN=42\tName=Ana\tPri=0\tPasswd=\tCard=7"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(":DATA DELETE FINGERTMP PIN=42"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(":DATA UPDATE FINGERTMP PIN=42\tFID=3\tSize=" +
                          std::to_string(tmpl.size()) + "\tValid=1\tTMP=" + tmpl),
            std::string::npos)
      << lines[2];
  // Nothing is sent twice while the results are on their way.
  EXPECT_EQ(get(adms::Endpoint::GetRequest, "").body, "OK");
  ASSERT_EQ(
      post(adms::Endpoint::DeviceCmd, "",
           "ID=" + id(lines[0]) + "&Return=0&CMD=DATA\nID=" + id(lines[1]) + "&Return=0&CMD=DATA\n")
          .body,
      "OK");
  EXPECT_TRUE(outcomes_.empty());
  ASSERT_EQ(post(adms::Endpoint::DeviceCmd, "", "ID=" + id(lines[2]) + "&Return=0&CMD=DATA\n").body,
            "OK");
  ASSERT_EQ(outcomes_.size(), 1U);
  EXPECT_EQ(outcomes_[0].first, "c1");
  EXPECT_TRUE(outcomes_[0].second.succeeded);
  EXPECT_EQ(json::parse(outcomes_[0].second.result_json)["templates"], 1);
}

TEST_F(PushTerminalTest, ARefusalFailsTheCommandWithTheMeaningOfTheCode) {
  terminal_->enqueue(command(R"({"command_id":"c2","device":"gate","type":"enroll_user",)"
                             R"("params":{"user_id":"42"}})"),
                     clock_.now() + 1h);
  const auto reply = get(adms::Endpoint::GetRequest, "").body;
  const std::string id = reply.substr(2, reply.find(':', 2) - 2);
  ASSERT_EQ(post(adms::Endpoint::DeviceCmd, "", "ID=" + id + "&Return=-1001&CMD=DATA\n").body,
            "OK");
  ASSERT_EQ(outcomes_.size(), 1U);
  EXPECT_FALSE(outcomes_[0].second.succeeded);
  EXPECT_EQ(outcomes_[0].second.error,
            "the terminal refused DATA UPDATE USERINFO: Return=-1001 (capacity limit reached)");
}

TEST_F(PushTerminalTest, UpdateAsksFirstAndFailsForAnAbsentUser) {
  terminal_->enqueue(command(R"({"command_id":"c3","device":"gate","type":"update_user",)"
                             R"("params":{"user_id":"42","name":"B"}})"),
                     clock_.now() + 1h);
  const auto reply = get(adms::Endpoint::GetRequest, "").body;
  ASSERT_NE(reply.find(":DATA QUERY USERINFO PIN=42"), std::string::npos) << reply;
  const std::string id = reply.substr(2, reply.find(':', 2) - 2);
  // Another user's line (the terminal may ignore the filter, §8.7) does not count.
  ASSERT_EQ(post(adms::Endpoint::Cdata, "&table=OPERLOG", "USER PIN=41\tName=A\n").body, "OK:1");
  ASSERT_EQ(post(adms::Endpoint::DeviceCmd, "", "ID=" + id + "&Return=0&CMD=DATA\n").body, "OK");
  ASSERT_EQ(outcomes_.size(), 1U);
  EXPECT_FALSE(outcomes_[0].second.succeeded);
  EXPECT_NE(outcomes_[0].second.error.find("not on the terminal"), std::string::npos);
}

TEST_F(PushTerminalTest, UnansweredCommandsAreSentAgainThenFail) {
  terminal_->enqueue(command(R"({"command_id":"c4","device":"gate","type":"unlock"})"),
                     clock_.now() + 1h);
  const auto first = get(adms::Endpoint::GetRequest, "").body;
  EXPECT_NE(first.find(":AC_UNLOCK"), std::string::npos) << first;
  clock_.advance(21s);
  EXPECT_EQ(get(adms::Endpoint::GetRequest, "").body, first);  // same id, sent again
  clock_.advance(21s);
  EXPECT_EQ(get(adms::Endpoint::GetRequest, "").body, "OK");  // attempts used up
  terminal_->tick();
  ASSERT_EQ(outcomes_.size(), 1U);
  EXPECT_FALSE(outcomes_[0].second.succeeded);
  EXPECT_EQ(outcomes_[0].second.error, "the terminal did not confirm the command after 2 sends");
}

TEST_F(PushTerminalTest, CommandsExpireWhenTheTerminalDoesNotPoll) {
  terminal_->enqueue(command(R"({"command_id":"c5","device":"gate","type":"restart"})"),
                     clock_.now() + 10s);
  clock_.advance(11s);
  terminal_->tick();
  ASSERT_EQ(outcomes_.size(), 1U);
  EXPECT_EQ(outcomes_[0].second.error,
            "expired: the terminal did not poll for commands before expires_at");
  EXPECT_EQ(get(adms::Endpoint::GetRequest, "").body, "OK");
}

TEST_F(PushTerminalTest, PinnedHostRefusesOtherAddresses) {
  PushDeviceConfig device;
  device.serial = kSerial;
  device.host = "10.0.0.9";
  PushTerminal pinned("pinned", device, push_, *outbox_, {}, logger_, clock_);
  const auto reply = pinned.handle({adms::Endpoint::Cdata, true,
                                    query("SN=" + std::string(kSerial) + "&table=ATTLOG"),
                                    "1\t2026-03-01 09:00:00\t0\t1\n", "10.0.0.7"});
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(pending(), 0U);
}

// Requests as another host would send them: same serial, its own source address.
PushReply callFrom(PushTerminal& terminal,
                   const std::string& address,
                   adms::Endpoint endpoint,
                   const std::string& text,
                   const std::string& body = "") {
  return terminal.handle({endpoint, !body.empty() || text.find("table=") != std::string::npos,
                          query("SN=" + std::string(kSerial) + text), body, address});
}

TEST_F(PushTerminalTest, AForgedTerminalOnAnotherAddressGetsNeitherPunchesInNorCommandsOut) {
  // The real terminal calls first and pins the serial to its address.
  ASSERT_EQ(callFrom(*terminal_, "10.0.0.7", adms::Endpoint::Cdata, "&options=all").status, 200);
  terminal_->enqueue(command(R"({"command_id":"c7","device":"gate","type":"enroll_user",)"
                             R"("params":{"user_id":"42","name":"Ana","password":"1234"}})"),
                     clock_.now() + 1h);

  const auto punches = callFrom(*terminal_, "10.0.0.8", adms::Endpoint::Cdata,
                                "&table=ATTLOG&Stamp=5", "9\t2026-03-01 09:00:00\t0\t1\n");
  EXPECT_EQ(punches.status, 403);
  EXPECT_EQ(punches.body.find("10.0.0.7"), std::string::npos) << "names the real address";
  EXPECT_EQ(pending(), 0U);
  const auto forged_poll = callFrom(*terminal_, "10.0.0.8", adms::Endpoint::GetRequest, "");
  EXPECT_EQ(forged_poll.status, 403);
  EXPECT_EQ(forged_poll.body.find("C:"), std::string::npos) << forged_poll.body;
  EXPECT_EQ(
      callFrom(*terminal_, "10.0.0.8", adms::Endpoint::DeviceCmd, "", "ID=1&Return=0\n").status,
      403);
  const json status = json::parse(terminal_->statusJson());
  EXPECT_EQ(status["host"], "10.0.0.7");
  const std::string last_error = status.value("last_error", "");
  EXPECT_NE(last_error.find("refused a request from 10.0.0.8"), std::string::npos) << last_error;
  EXPECT_NE(last_error.find("pinned to 10.0.0.7"), std::string::npos) << last_error;

  // The real terminal still gets the enrolment, password and all.
  const auto poll = callFrom(*terminal_, "10.0.0.7", adms::Endpoint::GetRequest, "");
  EXPECT_NE(poll.body.find(":DATA UPDATE USERINFO PIN=42\tName=Ana\tPri=0\tPasswd=1234"),
            std::string::npos)
      << poll.body;
  // The stamp of the refused upload was not stored either.
  EXPECT_NE(callFrom(*terminal_, "10.0.0.7", adms::Endpoint::Cdata, "&options=all")
                .body.find("ATTLOGStamp=None\n"),
            std::string::npos);
}

TEST_F(PushTerminalTest, ThePinOutlivesARestartUntilReleased) {
  ASSERT_EQ(callFrom(*terminal_, "10.0.0.7", adms::Endpoint::GetRequest, "").status, 200);
  // Restart: a new terminal on the reopened outbox, and the other host calls first.
  terminal_.reset();
  outbox_.reset();
  outbox_ = Outbox::open(dir_.file("outbox.db").string(), 1 << 30, 80).value();
  PushDeviceConfig device;
  device.serial = kSerial;
  PushTerminal restarted("gate", device, push_, *outbox_, {}, logger_, clock_);
  EXPECT_EQ(callFrom(restarted, "10.0.0.8", adms::Endpoint::Cdata, "&options=all").status, 403);
  EXPECT_EQ(callFrom(restarted, "10.0.0.7", adms::Endpoint::Cdata, "&options=all").status, 200);

  // Released (punchlink-agent --release-pin): the next caller pins the serial again.
  EXPECT_EQ(outbox_->releaseAddressPin(kSerial).value(), std::optional<std::string>("10.0.0.7"));
  EXPECT_EQ(callFrom(restarted, "10.0.0.8", adms::Endpoint::GetRequest, "").status, 200);
  EXPECT_EQ(callFrom(restarted, "10.0.0.7", adms::Endpoint::GetRequest, "").status, 403);
  EXPECT_EQ(outbox_->addressPin(kSerial).value(), std::optional<std::string>("10.0.0.8"));
  EXPECT_EQ(outbox_->releaseAddressPin("NOSUCHSERIAL").value(), std::nullopt);
}

TEST_F(PushTerminalTest, WithoutPinningOrWithAHostNothingIsPinned) {
  PushDeviceConfig roaming;
  roaming.serial = kSerial;
  roaming.pin_address = false;
  PushTerminal dhcp("dhcp", roaming, push_, *outbox_, {}, logger_, clock_);
  EXPECT_EQ(callFrom(dhcp, "10.0.0.7", adms::Endpoint::GetRequest, "").status, 200);
  EXPECT_EQ(callFrom(dhcp, "10.0.0.8", adms::Endpoint::GetRequest, "").status, 200);
  EXPECT_EQ(outbox_->addressPin(kSerial).value(), std::nullopt);

  PushDeviceConfig fixed;
  fixed.serial = kSerial;
  fixed.host = "10.0.0.9";
  PushTerminal hosted("hosted", fixed, push_, *outbox_, {}, logger_, clock_);
  EXPECT_EQ(callFrom(hosted, "10.0.0.9", adms::Endpoint::GetRequest, "").status, 200);
  EXPECT_EQ(outbox_->addressPin(kSerial).value(), std::nullopt);
}

TEST_F(PushTerminalTest, ACommKeyIsRequiredOnEveryRequestWhenConfigured) {
  PushDeviceConfig device;
  device.serial = kSerial;
  device.comm_key = "8731";
  PushTerminal keyed("keyed", device, push_, *outbox_, {}, logger_, clock_);
  keyed.enqueue(command(R"({"command_id":"c8","device":"keyed","type":"restart"})"),
                clock_.now() + 1h);
  const std::string attlog = "1\t2026-03-01 09:00:00\t0\t1\n";
  for (const std::string key : {"", "&ComKey=", "&ComKey=1234", "&ComKey=87310", "&comkey=873"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(callFrom(keyed, "10.0.0.7", adms::Endpoint::Cdata, "&options=all" + key).status, 403);
    EXPECT_EQ(
        callFrom(keyed, "10.0.0.7", adms::Endpoint::Cdata, "&table=ATTLOG" + key, attlog).status,
        403);
    const auto poll = callFrom(keyed, "10.0.0.7", adms::Endpoint::GetRequest, key);
    EXPECT_EQ(poll.status, 403);
    EXPECT_EQ(poll.body.find("C:"), std::string::npos) << poll.body;
  }
  EXPECT_EQ(pending(), 0U);
  json status = json::parse(keyed.statusJson());
  EXPECT_EQ(status["online"], false);
  EXPECT_NE(status.value("last_error", "").find("wrong ComKey"), std::string::npos)
      << status.dump();
  // A keyless request did not pin the serial: only an authenticated one may.
  EXPECT_EQ(outbox_->addressPin(kSerial).value(), std::nullopt);

  EXPECT_EQ(
      callFrom(keyed, "10.0.0.7", adms::Endpoint::Cdata, "&table=ATTLOG&ComKey=8731", attlog).body,
      "OK:1");
  EXPECT_EQ(pending(), 1U);
  EXPECT_NE(
      callFrom(keyed, "10.0.0.7", adms::Endpoint::GetRequest, "&ComKey=8731").body.find(":REBOOT"),
      std::string::npos);
  // The right key from another address is still refused: the key does not lift the pin.
  EXPECT_EQ(callFrom(keyed, "10.0.0.8", adms::Endpoint::GetRequest, "&ComKey=8731").status, 403);
  status = json::parse(keyed.statusJson());
  EXPECT_EQ(status["online"], true);
}

// The whole log comes up first; CLEAR LOG goes only once the relay has acknowledged every record
// the agent holds of the terminal, including those the query found that it lacked.
TEST_F(PushTerminalTest, TheLogIsClearedOnlyOnceTheRelayHasEveryRecord) {
  ASSERT_EQ(
      post(adms::Endpoint::Cdata, "&table=ATTLOG&Stamp=1", "7\t2026-03-01 09:00:00\t0\t1\n").body,
      "OK:1");
  terminal_->enqueue(command(R"({"command_id":"c6","device":"gate","type":"clear_attendance",)"
                             R"("params":{"confirm":true}})"),
                     clock_.now() + 1h);
  const auto query_line = get(adms::Endpoint::GetRequest, "").body;
  ASSERT_NE(query_line.find(":DATA QUERY ATTLOG StartTime=2000-01-01"), std::string::npos)
      << query_line;
  const std::string id = query_line.substr(2, query_line.find(':', 2) - 2);
  // The terminal held one record the realtime upload never brought.
  ASSERT_EQ(post(adms::Endpoint::Cdata, "&table=ATTLOG&CmdId=" + id,
                 "7\t2026-03-01 09:00:00\t0\t1\n8\t2026-03-01 09:05:00\t0\t1\n")
                .body,
            "OK:2");
  ASSERT_EQ(post(adms::Endpoint::DeviceCmd, "", "ID=" + id + "&Return=0&CMD=DATA\n").body, "OK");
  EXPECT_EQ(pending(), 2U);
  // Behind the clear, an unlock waits too: the relay queued it after.
  terminal_->enqueue(command(R"({"command_id":"c7","device":"gate","type":"unlock"})"),
                     clock_.now() + 1h);
  EXPECT_EQ(get(adms::Endpoint::GetRequest, "").body, "OK");

  auto rows = outbox_->nextBatch(10, 0).value();
  ASSERT_EQ(rows.size(), 2U);
  ASSERT_TRUE(outbox_->acknowledge({rows[0].event_id}, 1).ok());
  clock_.advance(10s);
  terminal_->tick();
  EXPECT_EQ(get(adms::Endpoint::GetRequest, "").body, "OK");  // one is still not at the relay
  EXPECT_TRUE(outcomes_.empty());
  ASSERT_TRUE(outbox_->acknowledge({rows[1].event_id}, 2).ok());
  const auto clear = get(adms::Endpoint::GetRequest, "").body;
  ASSERT_NE(clear.find(":CLEAR LOG"), std::string::npos) << clear;
  const std::string clear_id = clear.substr(2, clear.find(':', 2) - 2);
  ASSERT_EQ(post(adms::Endpoint::DeviceCmd, "", "ID=" + clear_id + "&Return=0&CMD=CLEAR\n").body,
            "OK");
  ASSERT_EQ(outcomes_.size(), 1U);
  EXPECT_EQ(outcomes_[0].first, "c6");
  EXPECT_TRUE(outcomes_[0].second.succeeded) << outcomes_[0].second.error;
}

TEST_F(PushTerminalTest, AClearWhoseRecordsDoNotReachTheRelayFailsWithoutClearing) {
  terminal_->enqueue(command(R"({"command_id":"c8","device":"gate","type":"clear_attendance",)"
                             R"("params":{"confirm":true}})"),
                     clock_.now() + 1h);
  const auto query_line = get(adms::Endpoint::GetRequest, "").body;
  const std::string id = query_line.substr(2, query_line.find(':', 2) - 2);
  ASSERT_EQ(
      post(adms::Endpoint::Cdata, "&table=ATTLOG&CmdId=" + id, "8\t2026-03-01 09:05:00\t0\t1\n")
          .body,
      "OK:1");
  ASSERT_EQ(post(adms::Endpoint::DeviceCmd, "", "ID=" + id + "&Return=0&CMD=DATA\n").body, "OK");
  for (int second = 0; second < 21; ++second) {
    EXPECT_EQ(get(adms::Endpoint::GetRequest, "").body.find("CLEAR"), std::string::npos);
    clock_.advance(1s);
    terminal_->tick();
  }
  ASSERT_EQ(outcomes_.size(), 1U);
  EXPECT_FALSE(outcomes_[0].second.succeeded);
  EXPECT_EQ(outcomes_[0].second.error,
            "1 records of this terminal are not at the relay yet after 20s; nothing was cleared. "
            "Send clear_attendance again once the agent's uplink has delivered them");
  EXPECT_EQ(pending(), 1U);  // the record the query found stays on its way
  EXPECT_EQ(get(adms::Endpoint::GetRequest, "").body, "OK");
}

TEST(PushCommandPlan, TranslatesEveryCommandType) {
  const TimeZone zone = TimeZone::find("Europe/Berlin").value();
  const UtcSeconds now{std::chrono::sys_days{std::chrono::year{2026} / 1 / 10}.time_since_epoch()};
  const auto plan = [&](const std::string& payload, const std::string& type = "att") {
    auto planned = planPushCommand(command(payload), zone, type, now);
    EXPECT_TRUE(planned.ok()) << payload;
    std::vector<std::string> lines;
    const PushPlan phases = planned.valueOr(PushPlan{});
    for (const auto& phase : phases.phases) {
      std::string joined;
      for (const auto& step : phase) {
        joined += adms::encodeCommand("1", step).value().substr(4) + ";";
      }
      lines.push_back(joined);
    }
    return lines;
  };
  using Lines = std::vector<std::string>;
  EXPECT_EQ(
      plan(R"({"command_id":"a","device":"d","type":"delete_user","params":{"user_id":"9"}})"),
      Lines{"DATA DELETE USERINFO PIN=9;"});
  EXPECT_EQ(plan(R"({"command_id":"a","device":"d","type":"unlock","params":{"seconds":7}})"),
            Lines{"AC_UNLOCK;"});
  EXPECT_EQ(
      plan(R"({"command_id":"a","device":"d","type":"unlock","params":{"seconds":7}})", "acc"),
      Lines{"CONTROL DEVICE 01010107;"});
  EXPECT_EQ(plan(R"({"command_id":"a","device":"d","type":"restart"})"), Lines{"REBOOT;"});
  EXPECT_EQ(plan(R"({"command_id":"a","device":"d","type":"set_time"})"), Lines{"CHECK;"});
  EXPECT_EQ(plan(R"({"command_id":"a","device":"d","type":"read_users"})"),
            Lines{"DATA QUERY USERINFO;"});
  EXPECT_EQ(plan(R"({"command_id":"a","device":"d","type":"clear_attendance",)"
                 R"("params":{"confirm":true}})"),
            (Lines{"DATA QUERY ATTLOG StartTime=2000-01-01 00:00:00\tEndTime=2099-12-31 23:59:59;",
                   "CLEAR LOG;"}));
  // UTC range, sent in the terminal's local time (Berlin is UTC+1 in January).
  EXPECT_EQ(plan(R"({"command_id":"a","device":"d","type":"read_log","params":)"
                 R"({"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}})"),
            Lines{"DATA QUERY ATTLOG StartTime=2026-01-01 01:00:00\tEndTime=2026-01-02 01:00:00;"});
  EXPECT_EQ(plan(R"({"command_id":"a","device":"d","type":"set_options","params":)"
                 R"({"options":{"Delay":5,"WebServerIP":"10.0.0.2"}}})"),
            Lines{"SET OPTION Delay=5;SET OPTION WebServerIP=10.0.0.2;"});
  EXPECT_EQ(
      plan(R"({"command_id":"a","device":"d","type":"update_user","params":{"user_id":"9"}})"),
      (Lines{"DATA QUERY USERINFO PIN=9;",
             "DATA UPDATE USERINFO PIN=9\tName=\tPri=0\tPasswd=\tCard=;"}));
}

TEST(PushCommandPlan, RefusesWhatTheTerminalCannotDo) {
  const TimeZone zone = TimeZone::find("UTC").value();
  const UtcSeconds now{std::chrono::sys_days{std::chrono::year{2026} / 1 / 10}.time_since_epoch()};
  auto far = planPushCommand(command(R"({"command_id":"a","device":"d","type":"set_time",)"
                                     R"("params":{"time":"2020-01-01T00:00:00Z"}})"),
                             zone, "att", now);
  ASSERT_FALSE(far.ok());
  EXPECT_NE(far.error().message.find("takes its clock from the agent"), std::string::npos);
  // The contract's decoder refuses control characters already; the plan must not rely on it.
  EXPECT_FALSE(contract::decodeCommand(R"({"command_id":"a","device":"d","type":"enroll_user",)"
                                       R"("params":{"user_id":"9","name":"a\tb"}})")
                   .ok());
  Command with_tab = command(R"({"command_id":"a","device":"d","type":"enroll_user",)"
                             R"("params":{"user_id":"9","name":"ab"}})");
  with_tab.user.name = "a\tb";
  auto tab = planPushCommand(with_tab, zone, "att", now);
  ASSERT_FALSE(tab.ok());
  EXPECT_NE(tab.error().message.find("cannot send this to a push terminal"), std::string::npos);
  auto key = planPushCommand(command(R"({"command_id":"a","device":"d","type":"set_options",)"
                                     R"("params":{"options":{"bad key":1}}})"),
                             zone, "att", now);
  EXPECT_FALSE(key.ok());
  // More than one reply holds would never be sent, and block the commands behind it.
  nlohmann::json many = nlohmann::json::object();
  for (int i = 0; i < 201; ++i) {
    many["Opt" + std::to_string(i)] = i;
  }
  auto too_many = planPushCommand(command(nlohmann::json{{"command_id", "a"},
                                                         {"device", "d"},
                                                         {"type", "set_options"},
                                                         {"params", {{"options", many}}}}
                                              .dump()),
                                  zone, "att", now);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().message.find("at most 200 commands at once; this needs 201"),
            std::string::npos)
      << too_many.error().message;
}

}  // namespace
}  // namespace punchlink::agent
