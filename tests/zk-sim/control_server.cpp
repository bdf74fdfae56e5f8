#include "control_server.hpp"

#include "sim_events.hpp"
#include "sim_fixture.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/http_listener.hpp>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace punchlink::zksim {

namespace {

using nlohmann::json;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr std::streamsize kMaxBody = 1 << 20;
constexpr std::int64_t kMaxClockOffsetSeconds = 10LL * 366 * 24 * 3600;

void send(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const json& body) {
  const std::string text = body.dump();
  response.setStatus(status);
  response.setContentType("application/json");
  response.setContentLength(static_cast<std::streamsize>(text.size()));
  response.send() << text;
}

void fail(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& what) {
  send(response, status, {{"error", what}});
}

// The routes; one instance serves every request, on several threads (SimDevice locks).
class Routes {
 public:
  Routes(SimDevice& device, std::function<json()> extra_state, std::string push_device_type)
      : device_(device),
        extra_state_(std::move(extra_state)),
        push_device_type_(std::move(push_device_type)) {}

  void handle(HTTPServerRequest& request, const RequestBody& body, HTTPServerResponse& response) {
    try {
      if (!body) {
        fail(response, HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE, "body too large");
        return;
      }
      route(request, *body, response);
    } catch (const std::exception& error) {
      fail(response, HTTPResponse::HTTP_BAD_REQUEST, error.what());
    }
  }

 private:
  static json parseBody(const std::string& body) {
    return body.empty() ? json::object() : json::parse(body);
  }

  void route(HTTPServerRequest& request, const std::string& body, HTTPServerResponse& response) {
    const std::string path = Poco::URI(request.getURI()).getPath();
    const std::string& method = request.getMethod();
    if (path == "/punches" && method == "POST") {
      addPunch(parseBody(body), response);
    } else if (path == "/events" && method == "POST") {
      addEvent(parseBody(body), response);
    } else if (path == "/clock" && method == "POST") {
      setClock(parseBody(body), response);
    } else if (path == "/clock" && method == "GET") {
      send(response, HTTPResponse::HTTP_OK, clockJson());
    } else if (path == "/state" && method == "GET") {
      send(response, HTTPResponse::HTTP_OK, state());
    } else if (path == "/attendance" && method == "GET") {
      json records = json::array();
      for (const auto& punch : device_.punches()) {
        records.push_back(punchJson(punch));
      }
      send(response, HTTPResponse::HTTP_OK, {{"count", records.size()}, {"records", records}});
    } else if (path.rfind("/users/", 0) == 0 && method == "GET") {
      const auto user = device_.userByUserId(path.substr(7));
      if (!user) {
        fail(response, HTTPResponse::HTTP_NOT_FOUND, "no user " + path.substr(7));
        return;
      }
      send(response, HTTPResponse::HTTP_OK, userJson(*user, true));
    } else if (path == "/faults" && method == "POST") {
      const json fields = parseBody(body);
      SimFaults faults;
      faults.drop_after_packets = fields.value("drop_after_packets", 0);
      faults.delay_ms = fields.value("delay_ms", 0);
      faults.corrupt_checksums = fields.value("corrupt_checksums", 0);
      faults.refuse_auth = fields.value("refuse_auth", false);
      device_.setFaults(faults);
      send(response, HTTPResponse::HTTP_OK, faultsJson(faults));
    } else if (path == "/faults" && method == "DELETE") {
      device_.setFaults({});
      send(response, HTTPResponse::HTTP_OK, faultsJson({}));
    } else if (path == "/punches" || path == "/state" || path == "/attendance" ||
               path == "/faults" || path == "/events" || path == "/clock") {
      fail(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, method + " is not allowed on " + path);
    } else {
      fail(response, HTTPResponse::HTTP_NOT_FOUND, "no route " + path);
    }
  }

  static json faultsJson(const SimFaults& faults) {
    return {{"drop_after_packets", faults.drop_after_packets},
            {"delay_ms", faults.delay_ms},
            {"corrupt_checksums", faults.corrupt_checksums},
            {"refuse_auth", faults.refuse_auth}};
  }

  void addPunch(const json& body, HTTPServerResponse& response) {
    if (!body.contains("user_id") || !body["user_id"].is_string() ||
        body["user_id"].get<std::string>().empty()) {
      fail(response, HTTPResponse::HTTP_BAD_REQUEST, "user_id (a non-empty string) is required");
      return;
    }
    zk::AttendanceRecord record;
    record.user_id = body["user_id"].get<std::string>();
    record.state = body.value("state", std::uint8_t{0});
    record.verify = body.value("verify", std::uint8_t{1});
    record.workcode = body.value("workcode", std::uint32_t{0});
    SimBiometrics biometrics;
    if (body.contains("temperature")) {
      const json& temperature = body["temperature"];
      if (!temperature.is_number() || !std::isfinite(temperature.get<double>()) ||
          std::abs(temperature.get<double>()) > 1000) {
        fail(response, HTTPResponse::HTTP_BAD_REQUEST,
             "temperature must be a number (degrees C), e.g. 36.6");
        return;
      }
      biometrics.temperature_c = temperature.get<double>();
    }
    if (body.contains("mask")) {
      if (!body["mask"].is_boolean()) {
        fail(response, HTTPResponse::HTTP_BAD_REQUEST, "mask must be true or false");
        return;
      }
      biometrics.mask = body["mask"].get<bool>();
    }
    if (body.contains("time")) {
      auto time = parseLocalTime(body["time"].get<std::string>());
      if (!time) {
        fail(response, HTTPResponse::HTTP_BAD_REQUEST, "time: " + time.error().toString());
        return;
      }
      record.time = *time;
    } else {
      record.time = device_.localNow();
    }
    const auto stored = device_.addPunch(record, biometrics);
    json out = punchJson({stored, biometrics});
    out["index"] = device_.attendanceCount() - 1;
    send(response, HTTPResponse::HTTP_CREATED, out);
  }

  static json punchJson(const SimPunch& punch) {
    json out = attendanceJson(punch.record);
    if (punch.biometrics.temperature_c) {
      out["temperature"] = *punch.biometrics.temperature_c;
    }
    if (punch.biometrics.mask) {
      out["mask"] = *punch.biometrics.mask;
    }
    return out;
  }

  json clockJson() const {
    return {{"clock", formatLocalTime(device_.localNow())},
            {"clock_offset_s", device_.clockOffset().count()}};
  }

  void setClock(const json& body, HTTPServerResponse& response) {
    if (!body.contains("offset_s") || !body["offset_s"].is_number_integer() ||
        std::abs(body["offset_s"].get<std::int64_t>()) > kMaxClockOffsetSeconds) {
      fail(response, HTTPResponse::HTTP_BAD_REQUEST,
           "offset_s (whole seconds, at most ten years either way) is required");
      return;
    }
    device_.setClockOffset(std::chrono::seconds{body["offset_s"].get<std::int64_t>()});
    send(response, HTTPResponse::HTTP_OK, clockJson());
  }

  void addEvent(const json& body, HTTPServerResponse& response) {
    const std::string name =
        body.contains("type") && body["type"].is_string() ? body["type"].get<std::string>() : "";
    const auto type = parseSimEventType(name);
    if (!type) {
      fail(response, HTTPResponse::HTTP_BAD_REQUEST,
           "type must be one of unlock, access_denied, tamper, exit_button, door_closed, "
           "door_opened, duress, misoperation");
      return;
    }
    SimEvent event;
    event.type = *type;
    if (body.contains("user_id")) {
      if (!body["user_id"].is_string()) {
        fail(response, HTTPResponse::HTTP_BAD_REQUEST, "user_id must be a string");
        return;
      }
      event.user_id = body["user_id"].get<std::string>();
    }
    if (event.type == SimEventType::Duress) {
      // The ZK duress alarm carries the user's uid, so the user must exist.
      if (event.user_id.empty() || !device_.userByUserId(event.user_id)) {
        fail(response,
             event.user_id.empty() ? HTTPResponse::HTTP_BAD_REQUEST : HTTPResponse::HTTP_NOT_FOUND,
             event.user_id.empty() ? "duress needs the user_id of a user on the device"
                                   : "no user " + event.user_id + " on the device");
        return;
      }
    }
    if (body.contains("door")) {
      if (!body["door"].is_number_integer() || body["door"].get<int>() < 1 ||
          body["door"].get<int>() > 255) {
        fail(response, HTTPResponse::HTTP_BAD_REQUEST, "door must be a number from 1 to 255");
        return;
      }
      event.door = body["door"].get<int>();
    }
    if (body.contains("time")) {
      auto time = parseLocalTime(body.value("time", std::string{}));
      if (!time) {
        fail(response, HTTPResponse::HTTP_BAD_REQUEST, "time: " + time.error().toString());
        return;
      }
      event.time = *time;
    }
    if (!zkDeviceEvent(event) && push_device_type_.empty()) {
      fail(response, HTTPResponse::HTTP_CONFLICT,
           name +
               " has no ZK binary form (zk-protocol.md §6.1 gives the door sensor's closed "
               "state only); run zk-sim with --push-url to send it as a push terminal");
      return;
    }
    const RaisedEvent raised = device_.addEvent(event);
    send(response, HTTPResponse::HTTP_CREATED, eventJson(raised));
  }

  json eventJson(const RaisedEvent& raised) const {
    const SimEvent& event = raised.event;
    json out = {{"type", simEventName(event.type)},
                {"user_id", event.user_id},
                {"uid", event.uid},
                {"door", event.door},
                {"time", formatLocalTime(event.time)},
                {"seq", event.seq}};
    if (const auto device_event = zkDeviceEvent(event)) {
      const zk::Bytes payload = zk::encodeDeviceEvent(*device_event);
      out["zk"] = {{"flag", zk::deviceEventFlag(device_event->kind)},
                   {"kind", zk::deviceEventKindName(device_event->kind)},
                   {"payload", crypto::toHex(payload)},
                   {"sessions", raised.zk_sessions}};
    } else {
      out["zk"] = {{"sessions", 0}, {"note", "no ZK binary form; not sent"}};
    }
    if (!push_device_type_.empty()) {
      json uploads = json::array();
      if (push_device_type_ == "acc") {
        if (const auto line = rtLogEntry(event)) {
          uploads.push_back({{"table", "rtlog"}, {"body", adms::encodeRtLog({&*line, 1})}});
        }
        if (const auto line = rtStateEntry(event)) {
          uploads.push_back({{"table", "rtstate"}, {"body", adms::encodeRtState({&*line, 1})}});
        }
      } else {
        const adms::OpLogEntry line = opLogEntry(event);
        uploads.push_back({{"table", "OPERLOG"}, {"body", adms::encodeOpLog({&line, 1})}});
      }
      out["push"] = {{"device_type", push_device_type_}, {"uploads", uploads}};
      if (uploads.empty()) {
        out["push"]["note"] = "Security PUSH rtlog has no " +
                              std::string(simEventName(event.type)) + " event; not uploaded";
      }
    }
    return out;
  }

  json state() const {
    const auto& identity = device_.identity();
    json users = json::array();
    std::size_t templates = 0;
    for (const auto& user : device_.users()) {
      templates += user.templates.size();
      users.push_back(userJson(user, false));
    }
    const auto counters = device_.counters();
    json events = json::object();
    for (const SimEventType type : kSimEventTypes) {
      events[std::string(simEventName(type))] = counters.events.at(static_cast<std::size_t>(type));
    }
    const auto sizes = device_.freeSizes();
    json out = {{"serial", identity.serial},
                {"name", identity.name},
                {"platform", identity.platform},
                {"firmware", identity.firmware},
                {"mac", identity.mac},
                {"time_zone", identity.time_zone},
                {"clock", formatLocalTime(device_.localNow())},
                {"clock_offset_s", device_.clockOffset().count()},
                {"enabled", device_.enabled()},
                {"user_count", users.size()},
                {"template_count", templates},
                {"attendance_count", device_.attendanceCount()},
                {"attendance_format", static_cast<int>(identity.attendance_format)},
                {"user_format", static_cast<int>(identity.user_format)},
                {"capacity",
                 {{"users", sizes.users_capacity},
                  {"fingers", sizes.fingers_capacity},
                  {"records", sizes.records_capacity}}},
                {"counters",
                 {{"restarts", counters.restarts},
                  {"unlocks", counters.unlocks},
                  {"log_clears", counters.log_clears},
                  {"events", events}}},
                {"users", users}};
    if (extra_state_) {
      out.update(extra_state_());
    }
    return out;
  }

  SimDevice& device_;
  std::function<json()> extra_state_;
  std::string push_device_type_;
};

}  // namespace

ControlServer::ControlServer(SimDevice& device,
                             std::function<json()> extra_state,
                             std::uint16_t port,
                             std::string push_device_type) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  port_ = socket.address().port();
  auto routes =
      std::make_shared<Routes>(device, std::move(extra_state), std::move(push_device_type));
  server_ = startHttpListener(
      socket,
      {.max_threads = 4, .per_address = 0, .max_body_bytes = static_cast<std::size_t>(kMaxBody)},
      [routes](HTTPServerRequest& request, const RequestBody& body, HTTPServerResponse& response) {
        routes->handle(request, body, response);
      });
}

ControlServer::~ControlServer() {
  if (server_) {
    server_->stopAll(true);
  }
}

}  // namespace punchlink::zksim
