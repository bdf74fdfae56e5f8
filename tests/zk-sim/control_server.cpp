#include "control_server.hpp"

#include "sim_fixture.hpp"

#include <punchlink/common/http_listener.hpp>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace punchlink::zksim {

namespace {

using nlohmann::json;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr std::streamsize kMaxBody = 1 << 20;

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
  Routes(SimDevice& device, std::function<json()> extra_state)
      : device_(device), extra_state_(std::move(extra_state)) {}

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
    } else if (path == "/state" && method == "GET") {
      send(response, HTTPResponse::HTTP_OK, state());
    } else if (path == "/attendance" && method == "GET") {
      json records = json::array();
      for (const auto& record : device_.attendance()) {
        records.push_back(attendanceJson(record));
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
               path == "/faults") {
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
    const auto stored = device_.addPunch(record);
    json out = attendanceJson(stored);
    out["index"] = device_.attendanceCount() - 1;
    send(response, HTTPResponse::HTTP_CREATED, out);
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
    const auto sizes = device_.freeSizes();
    json out = {{"serial", identity.serial},
                {"name", identity.name},
                {"platform", identity.platform},
                {"firmware", identity.firmware},
                {"mac", identity.mac},
                {"time_zone", identity.time_zone},
                {"clock", formatLocalTime(device_.localNow())},
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
                  {"log_clears", counters.log_clears}}},
                {"users", users}};
    if (extra_state_) {
      out.update(extra_state_());
    }
    return out;
  }

  SimDevice& device_;
  std::function<json()> extra_state_;
};

}  // namespace

ControlServer::ControlServer(SimDevice& device,
                             std::function<json()> extra_state,
                             std::uint16_t port) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  port_ = socket.address().port();
  auto routes = std::make_shared<Routes>(device, std::move(extra_state));
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
