#include <punchlink/testing/zk_sim_process.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace punchlink::testing {

ZkSimProcess::ZkSimProcess(const std::string& binary, std::vector<std::string> args)
    : dir_("punchlink-zksim") {
  std::vector<std::string> argv{binary};
  if (std::find(args.begin(), args.end(), "--port") == args.end()) {
    argv.insert(argv.end(), {"--port", "0"});
  }
  if (std::find(args.begin(), args.end(), "--control-port") == args.end()) {
    argv.insert(argv.end(), {"--control-port", "0"});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<ChildProcess>(argv, dir_.file("zk-sim.log"));
  const std::regex ready(R"(zk-sim ready tcp=(\d+) udp=(\d+) control=(\d+) serial=(\S+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string output = process_->log();
    std::smatch match;
    if (std::regex_search(output, match, ready)) {
      port_ = static_cast<std::uint16_t>(
          std::stoi(match[1].str() != "0" ? match[1].str() : match[2].str()));
      control_port_ = static_cast<std::uint16_t>(std::stoi(match[3].str()));
      serial_ = match[4].str();
      return;
    }
    if (!process_->running()) {
      throw std::runtime_error("zk-sim exited before it was ready:\n" + output);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  throw std::runtime_error("zk-sim printed no ready line in 15 s:\n" + process_->log());
}

ZkSimProcess::~ZkSimProcess() { process_->stop(std::chrono::milliseconds{3000}); }

ZkSimProcess::Response ZkSimProcess::call(const std::string& method,
                                          const std::string& path,
                                          const std::string& body) const {
  Poco::Net::HTTPClientSession session("127.0.0.1", control_port_);
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::string text;
  Poco::StreamCopier::copyToString(in, text);
  Response out;
  out.status = static_cast<int>(response.getStatus());
  out.body = text.empty() ? nlohmann::json() : nlohmann::json::parse(text);
  return out;
}

ZkSimProcess::Response ZkSimProcess::get(const std::string& path) const {
  return call("GET", path, "");
}

ZkSimProcess::Response ZkSimProcess::post(const std::string& path,
                                          const nlohmann::json& body) const {
  return call("POST", path, body.dump());
}

ZkSimProcess::Response ZkSimProcess::del(const std::string& path) const {
  return call("DELETE", path, "");
}

nlohmann::json ZkSimProcess::punch(const std::string& user_id,
                                   int state,
                                   int verify,
                                   const std::string& time) const {
  nlohmann::json body = {{"user_id", user_id}, {"state", state}, {"verify", verify}};
  if (!time.empty()) {
    body["time"] = time;
  }
  auto response = post("/punches", body);
  if (response.status != 201) {
    throw std::runtime_error("zk-sim refused the punch: " + response.body.dump());
  }
  return response.body;
}

}  // namespace punchlink::testing
