// The real zk-sim binary's device events, body temperature and clock, seen from outside: as the
// bytes a registered ZK session receives over TCP, and as the uploads a push server receives
// (shared/reference/zk-protocol.md §6, adms-push.md §3.1, §3.2, §3.4).
#include <punchlink/common/adms/adms_codec.hpp>
#include <punchlink/common/http_listener.hpp>
#include <punchlink/common/text.hpp>
#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/zk_sim_process.hpp>
#include <punchlink/zk/zk_constants.hpp>
#include <punchlink/zk/zk_packet.hpp>
#include <punchlink/zk/zk_records.hpp>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#ifndef PUNCHLINK_ZK_SIM
#error "PUNCHLINK_ZK_SIM must name the zk-sim binary"
#endif

namespace punchlink::zksim {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ZkSimProcess;

// --- a ZK client that shows the raw packets -------------------------------------------------

class RawZkClient {
 public:
  explicit RawZkClient(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot connect to zk-sim on port " + std::to_string(port));
    }
    const zk::Packet reply = request(zk::cmd::kConnect);
    session_ = reply.session;
  }

  ~RawZkClient() { ::close(fd_); }

  RawZkClient(const RawZkClient&) = delete;
  RawZkClient& operator=(const RawZkClient&) = delete;
  RawZkClient(RawZkClient&&) = delete;
  RawZkClient& operator=(RawZkClient&&) = delete;

  zk::Packet request(std::uint16_t command, zk::Bytes data = {}) {
    const zk::Bytes wire = zk::encodeTcpPacket({command, session_, ++reply_id_, std::move(data)});
    EXPECT_EQ(::send(fd_, wire.data(), wire.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(wire.size()));
    auto reply = next(5s);
    if (!reply) {
      throw std::runtime_error("zk-sim did not answer command " + std::to_string(command));
    }
    return reply->packet;
  }

  void registerEvents(std::uint32_t mask) {
    zk::Bytes data;
    zk::appendU32(data, mask);
    EXPECT_EQ(request(zk::cmd::kRegEvent, data).command, zk::reply::kAckOk);
  }

  struct Received {
    zk::Packet packet;
    zk::Bytes wire;  // envelope and all, as it came
  };

  // The next packet within `timeout`, or nullopt.
  std::optional<Received> next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto frame = zk::decodeTcpFrame(buffer_);
      if (const auto* decoded = std::get_if<zk::Decoded>(&frame)) {
        Received out{decoded->packet,
                     zk::Bytes(buffer_.begin(),
                               buffer_.begin() + static_cast<std::ptrdiff_t>(decoded->consumed))};
        buffer_.erase(buffer_.begin(),
                      buffer_.begin() + static_cast<std::ptrdiff_t>(decoded->consumed));
        return out;
      }
      if (std::holds_alternative<zk::Malformed>(frame)) {
        ADD_FAILURE() << "zk-sim sent a malformed packet";
        return std::nullopt;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd pfd{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
        return std::nullopt;
      }
      std::uint8_t chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        return std::nullopt;
      }
      buffer_.insert(buffer_.end(), chunk, chunk + n);
    }
  }

 private:
  int fd_;
  std::uint16_t session_ = 0;
  std::uint16_t reply_id_ = 0;
  zk::Bytes buffer_;
};

zk::Bytes hex(std::string_view text) {
  zk::Bytes out;
  for (std::size_t i = 0; i + 1 < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(
        static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

LocalSeconds realUtcNow() {
  return LocalSeconds{std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
                          .time_since_epoch()};
}

// --- ZK: events and clock -------------------------------------------------------------------

TEST(ZkSimEvents, PostedEventsReachRegisteredTcpSessionsAsReferenceBytes) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "3", "--pacing-ms", "0"});
  RawZkClient all(sim.port());
  all.registerEvents(0xFFFF);  // the Windows SDK's mask (§6.1)
  RawZkClient punches_only(sim.port());
  punches_only.registerEvents(zk::event::kAttLog);

  const auto tamper = sim.post("/events", {{"type", "tamper"}});
  ASSERT_EQ(tamper.status, 201) << tamper.body.dump();
  EXPECT_EQ(tamper.body["zk"]["flag"], 512);
  EXPECT_EQ(tamper.body["zk"]["payload"], "37000000");
  EXPECT_EQ(tamper.body["zk"]["sessions"], 1);
  auto received = all.next(5s);
  ASSERT_TRUE(received.has_value());
  // §6.2: command 500, EF_ALARM in the session field, reply id 0; checksum per §1.5.
  EXPECT_EQ(received->wire, hex("50 50 82 7d 0c 00 00 00 f4 01 d4 fb 00 02 00 00 37 00 00 00"));

  ASSERT_EQ(sim.post("/events", {{"type", "duress"}, {"user_id", "1002"}}).status, 201);
  received = all.next(5s);
  ASSERT_TRUE(received.has_value());
  const auto duress = zk::decodeDeviceEvent(received->packet.session, received->packet.data);
  ASSERT_TRUE(duress.ok()) << duress.error();
  EXPECT_EQ(duress->kind, zk::DeviceEventKind::Duress);
  EXPECT_EQ(duress->uid, 2U);  // user 1002 is uid 2

  ASSERT_EQ(sim.post("/events", {{"type", "access_denied"}}).status, 201);
  received = all.next(5s);
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->wire, hex("50 50 82 7d 0d 00 00 00 f4 01 8a fd 80 00 00 00 ff ff ff ff 01"));

  ASSERT_EQ(sim.post("/events", {{"type", "door_closed"}}).status, 201);
  received = all.next(5s);
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(zk::decodeDeviceEvent(received->packet.session, received->packet.data)->kind,
            zk::DeviceEventKind::DoorClosed);

  // The EF_ATTLOG-only session got none of them: the next thing it sees is a punch.
  sim.punch("1001");
  const auto punch = punches_only.next(5s);
  ASSERT_TRUE(punch.has_value());
  EXPECT_EQ(punch->packet.session, zk::event::kAttLog);
  EXPECT_FALSE(punches_only.next(300ms).has_value());

  const json counters = sim.state()["counters"]["events"];
  EXPECT_EQ(counters["tamper"], 1);
  EXPECT_EQ(counters["duress"], 1);
  EXPECT_EQ(counters["access_denied"], 1);
  EXPECT_EQ(counters["door_closed"], 1);
  EXPECT_EQ(counters["unlock"], 0);
  EXPECT_EQ(sim.state()["zk_event_packets"], 4);
}

TEST(ZkSimEvents, RefusesMalformedEvents) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "3"});
  EXPECT_EQ(sim.post("/events", {{"type", "door_forced"}}).status, 400);
  EXPECT_EQ(sim.post("/events", {{"type", "duress"}}).status, 400);
  EXPECT_EQ(sim.post("/events", {{"type", "duress"}, {"user_id", "4242"}}).status, 404);
  EXPECT_EQ(sim.post("/events", {{"type", "tamper"}, {"door", 0}}).status, 400);
  EXPECT_EQ(sim.state()["counters"]["events"]["tamper"], 0);
  EXPECT_EQ(sim.post("/punches", {{"user_id", "1001"}, {"temperature", "hot"}}).status, 400);
  EXPECT_EQ(sim.post("/punches", {{"user_id", "1001"}, {"mask", 1}}).status, 400);
}

TEST(ZkSimClock, OffsetShowsInGetTimeAndSetTimeMovesIt) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "3"});
  const auto set = sim.post("/clock", {{"offset_s", 300}});
  ASSERT_EQ(set.status, 200) << set.body.dump();
  EXPECT_EQ(set.body["clock_offset_s"], 300);
  EXPECT_EQ(sim.state()["clock_offset_s"], 300);

  RawZkClient client(sim.port());
  const zk::Packet reply = client.request(zk::cmd::kGetTime);
  ASSERT_EQ(reply.data.size(), 4U);
  const auto device_time = zk::decodePackedTime(zk::readU32(reply.data, 0)).value();
  EXPECT_LE(std::chrono::abs(device_time - (realUtcNow() + 300s)), 3s);  // zone UTC

  // New punches carry the terminal's clock, not the real one.
  const json punch = sim.punch("1001");
  const auto stamped = parseLocalTime(punch["time"].get<std::string>()).value();
  EXPECT_LE(std::chrono::abs(stamped - (realUtcNow() + 300s)), 3s);

  zk::Bytes data;
  zk::appendU32(data, zk::encodePackedTime(realUtcNow() - 3600s));
  EXPECT_EQ(client.request(zk::cmd::kSetTime, data).command, zk::reply::kAckOk);
  EXPECT_LE(std::abs(sim.state()["clock_offset_s"].get<std::int64_t>() + 3600), 3);
  EXPECT_EQ(sim.post("/clock", {{"offset_s", "soon"}}).status, 400);
}

// --- push: a server that records what terminals upload ---------------------------------------

class RecordingPushServer {
 public:
  struct Upload {
    std::string table;
    std::string body;
  };

  RecordingPushServer() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    listener_ = startHttpListener(
        socket, {.max_threads = 4, .keep_alive = false, .per_address = 0},
        [this](Poco::Net::HTTPServerRequest& request, const RequestBody& body,
               Poco::Net::HTTPServerResponse& response) { handle(request, body, response); });
  }

  ~RecordingPushServer() { listener_->stopAll(true); }

  RecordingPushServer(const RecordingPushServer&) = delete;
  RecordingPushServer& operator=(const RecordingPushServer&) = delete;
  RecordingPushServer(RecordingPushServer&&) = delete;
  RecordingPushServer& operator=(RecordingPushServer&&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<Upload> uploads(std::string_view table) const {
    const std::lock_guard lock(mutex_);
    std::vector<Upload> out;
    for (const auto& upload : uploads_) {
      if (iequals(upload.table, table)) {
        out.push_back(upload);
      }
    }
    return out;
  }

  // Every body uploaded as `table`, joined.
  std::string bodies(std::string_view table) const {
    std::string out;
    for (const auto& upload : uploads(table)) {
      out += upload.body;
    }
    return out;
  }

  bool handshaken() const {
    const std::lock_guard lock(mutex_);
    return handshakes_ > 0;
  }

 private:
  void handle(Poco::Net::HTTPServerRequest& request,
              const RequestBody& body,
              Poco::Net::HTTPServerResponse& response) {
    const Poco::URI uri(request.getURI());
    const auto query = adms::parseIclockQuery(uri.getRawQuery());
    std::string answer = "OK";
    if (query && adms::classifyPath(uri.getPath()) == adms::Endpoint::Cdata) {
      if (request.getMethod() == "GET" && query->options == "all") {
        adms::HandshakeOptions options;
        options.attlog_stamp = "9999";
        options.operlog_stamp = "9999";
        options.delay = 1;
        options.error_delay = 1;
        answer = adms::buildHandshakeReply(query->serial, options).valueOr(std::string{});
        const std::lock_guard lock(mutex_);
        ++handshakes_;
      } else if (request.getMethod() == "POST") {
        const std::lock_guard lock(mutex_);
        uploads_.push_back({query->table, body.value_or("")});
        answer = "OK:1";
      }
    }
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("text/plain");
    response.setContentLength(static_cast<std::streamsize>(answer.size()));
    response.send() << answer;
  }

  std::uint16_t port_ = 0;
  HttpListenerPtr listener_;
  mutable std::mutex mutex_;
  std::vector<Upload> uploads_;
  int handshakes_ = 0;
};

std::unique_ptr<ZkSimProcess> startPushSim(const RecordingPushServer& server,
                                           std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--users",    "3",          "--serial",     "PUSHSIM000001",
                                   "--push-url", server.url(), "--push-retry", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto sim = std::make_unique<ZkSimProcess>(PUNCHLINK_ZK_SIM, args);
  EXPECT_TRUE(testing::eventually([&] { return server.handshaken(); }, 10s)) << sim->log();
  return sim;
}

const adms::OpLogEntry* findOpLog(const adms::OperlogBatch& batch, int op, std::string_view obj1) {
  for (const auto& entry : batch.entries) {
    const auto* line = std::get_if<adms::OpLogEntry>(&entry);
    if (line != nullptr && line->op == op && !line->objects.empty() && line->objects[0] == obj1) {
      return line;
    }
  }
  return nullptr;
}

TEST(ZkSimPush, AttendanceTerminalUploadsOpLogLinesAndBiometrics) {
  RecordingPushServer server;
  const auto sim = startPushSim(server);
  const auto tamper = sim->post("/events", {{"type", "tamper"}});
  ASSERT_EQ(tamper.status, 201) << tamper.body.dump();
  EXPECT_EQ(tamper.body["push"]["uploads"][0]["table"], "OPERLOG");
  ASSERT_EQ(sim->post("/events", {{"type", "door_opened"}}).status, 201);
  ASSERT_EQ(sim->post("/events", {{"type", "duress"}, {"user_id", "1002"}}).status, 201);
  ASSERT_EQ(sim->post("/events", {{"type", "unlock"}, {"user_id", "1001"}}).status, 201);
  ASSERT_EQ(sim->post("/events", {{"type", "misoperation"}}).status, 201);
  ASSERT_EQ(
      sim->post("/punches", {{"user_id", "1003"}, {"temperature", 36.6}, {"mask", true}}).status,
      201);

  adms::OperlogBatch oplog;
  ASSERT_TRUE(testing::eventually(
      [&] {
        oplog = adms::parseOperlog(server.bodies("OPERLOG"));
        return oplog.entries.size() >= 5;
      },
      10s))
      << sim->log();
  EXPECT_TRUE(oplog.errors.empty());
  EXPECT_NE(findOpLog(oplog, 3, "55"), nullptr);     // tamper
  EXPECT_NE(findOpLog(oplog, 3, "51"), nullptr);     // door opened
  EXPECT_NE(findOpLog(oplog, 32, "1002"), nullptr);  // duress, with the PIN
  EXPECT_NE(findOpLog(oplog, 29, "1001"), nullptr);  // unlock
  EXPECT_NE(findOpLog(oplog, 3, "58"), nullptr);     // misoperation

  adms::AttlogBatch attlog;
  ASSERT_TRUE(testing::eventually(
      [&] {
        attlog = adms::parseAttlog(server.bodies("ATTLOG"));
        return !attlog.records.empty();
      },
      10s));
  EXPECT_EQ(attlog.records[0].pin, "1003");
  EXPECT_EQ(adms::attlogBiometrics(attlog.records[0]), (adms::AttlogBiometrics{true, 36.6}));
  EXPECT_TRUE(testing::eventually([&] { return sim->state()["push"]["event_lines"] == 5; }, 5s));
}

TEST(ZkSimPush, AccessControlTerminalUploadsRtLogAndRtStateInFahrenheit) {
  RecordingPushServer server;
  const auto sim = startPushSim(server, {"--push-device-type", "acc", "--temperature-unit", "f"});
  ASSERT_EQ(sim->post("/events", {{"type", "door_opened"}, {"door", 2}}).status, 201);
  ASSERT_EQ(sim->post("/events", {{"type", "tamper"}}).status, 201);
  const auto misoperation = sim->post("/events", {{"type", "misoperation"}});
  ASSERT_EQ(misoperation.status, 201);
  EXPECT_TRUE(misoperation.body["push"]["uploads"].empty());
  ASSERT_EQ(sim->post("/events", {{"type", "access_denied"}}).status, 201);
  ASSERT_EQ(sim->post("/punches", {{"user_id", "1001"}, {"temperature", 36.6}}).status, 201);

  adms::RtLogBatch rtlog;
  ASSERT_TRUE(testing::eventually(
      [&] {
        rtlog = adms::parseRtLog(server.bodies("rtlog"));
        return rtlog.entries.size() >= 3;
      },
      10s))
      << sim->log();
  EXPECT_TRUE(rtlog.errors.empty());
  ASSERT_EQ(rtlog.entries.size(), 3U);  // misoperation has no rtlog event
  EXPECT_EQ(rtlog.entries[0].event, adms::rtlog::kDoorOpened);
  EXPECT_EQ(rtlog.entries[0].door, 2);
  EXPECT_EQ(rtlog.entries[1].event, adms::rtlog::kTamper);
  EXPECT_EQ(rtlog.entries[2].event, adms::rtlog::kUnregisteredPerson);

  adms::RtStateBatch rtstate;
  ASSERT_TRUE(testing::eventually(
      [&] {
        rtstate = adms::parseRtState(server.bodies("rtstate"));
        return !rtstate.entries.empty();
      },
      10s));
  EXPECT_EQ(adms::doorState(rtstate.entries[0], 2)->sensor, adms::DoorSensor::Open);
  EXPECT_TRUE(server.uploads("OPERLOG").empty());

  adms::AttlogBatch attlog;
  ASSERT_TRUE(testing::eventually(
      [&] {
        attlog = adms::parseAttlog(server.bodies("ATTLOG"));
        return !attlog.records.empty();
      },
      10s));
  EXPECT_EQ(adms::attlogBiometrics(attlog.records[0]).temperature, 97.9);  // 36.6 °C in °F
  EXPECT_EQ(adms::attlogBiometrics(attlog.records[0]).mask, std::nullopt);
}

}  // namespace
}  // namespace punchlink::zksim
