#include "push_client.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/text.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <sstream>

namespace punchlink::zksim {

namespace {

std::string encoded(const std::string& value) {
  std::string out;
  Poco::URI::encode(value, "&=+,;?#%", out);
  return out;
}

std::optional<std::int64_t> number(std::string_view text) { return parseInteger(text, true); }

// The CMD a result echoes: the command's family (§5).
struct CmdFamily {
  std::string operator()(const adms::SetOption&) const { return "SET OPTION"; }

  std::string operator()(const adms::UnlockDoor&) const { return "CONTROL DEVICE"; }

  std::string operator()(const adms::AcUnlock&) const { return "AC_UNLOCK"; }

  std::string operator()(const adms::Reboot&) const { return "REBOOT"; }

  std::string operator()(const adms::CheckData&) const { return "CHECK"; }

  std::string operator()(const adms::QueryInfo&) const { return "INFO"; }

  std::string operator()(const adms::ClearLog&) const { return "CLEAR_LOG"; }

  template <typename Data>
  std::string operator()(const Data&) const {
    return "DATA";
  }
};

}  // namespace

// An ATTLOG line as firmware writes it: reserved columns 6 and 7 are "0" (§3.1), then mask and
// temperature in columns 8 and 9 when the punch carried them.
adms::AttendanceRecord PushClient::attlogRecord(const SimPunch& punch) const {
  const auto& record = punch.record;
  adms::AttendanceRecord line{record.user_id,
                              record.time,
                              record.state,
                              record.verify,
                              record.workcode == 0 ? "" : std::to_string(record.workcode),
                              {"0", "0"}};
  std::optional<double> temperature = punch.biometrics.temperature_c;
  if (temperature && options_.fahrenheit) {
    temperature = std::round((*temperature * 9.0 / 5.0 + 32.0) * 10.0) / 10.0;
  }
  adms::setAttlogBiometrics(line, {punch.biometrics.mask, temperature});
  return line;
}

PushClient::PushClient(SimDevice& device, PushClientOptions options)
    : device_(device), options_(std::move(options)) {
  stats_.delay_s =
      static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(options_.retry).count());
  stats_.error_delay_s = stats_.delay_s;
}

PushClient::~PushClient() { stop(); }

void PushClient::start() {
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

void PushClient::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

PushClientStats PushClient::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void PushClient::waitFor(const std::stop_token& stop, std::chrono::milliseconds duration) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, duration, [] { return false; });
}

PushClient::Reply PushClient::request(const std::string& method,
                                      const std::string& path_and_query,
                                      const std::string& body,
                                      const std::string& content_type) {
  const Poco::URI server(options_.url);
  // Every request carries SN=, so the key always follows a '?'.
  const std::string target = options_.comm_key.empty()
                                 ? path_and_query
                                 : path_and_query + "&ComKey=" + encoded(options_.comm_key);
  Poco::Net::HTTPRequest http(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  std::unique_ptr<Poco::Net::HTTPClientSession> connection;
  if (options_.source_address.empty()) {
    connection = std::make_unique<Poco::Net::HTTPClientSession>(server.getHost(), server.getPort());
  } else {
    // Poco 1.11's session cannot bind; it takes a socket connected from the source address. A
    // session without a host never reconnects, so the Host header is set here.
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
    socket.impl()->bind(Poco::Net::SocketAddress(options_.source_address, 0));
    socket.connect(Poco::Net::SocketAddress(server.getHost(), server.getPort()),
                   Poco::Timespan(30, 0));
    connection = std::make_unique<Poco::Net::HTTPClientSession>(socket);
    http.setHost(server.getHost(), server.getPort());
  }
  Poco::Net::HTTPClientSession& session = *connection;
  session.setTimeout(Poco::Timespan(30, 0));
  http.set("User-Agent", "iClock Proxy/1.09");
  http.set("Accept", "*/*");
  http.setKeepAlive(false);
  if (method == "POST") {
    http.setContentType(content_type);
    http.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(http) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply reply;
  reply.status = static_cast<int>(response.getStatus());
  Poco::StreamCopier::copyToString(in, reply.body);
  if (response.has("Date")) {
    reply.date = std::chrono::system_clock::from_time_t(response.getDate().epochTime());
  }
  return reply;
}

bool PushClient::accepted(const Reply& reply, const char* what) {
  if (reply.status == 200) {
    return true;
  }
  const std::lock_guard lock(mutex_);
  ++stats_.refused;
  stats_.last_error = std::string(what) + ": HTTP " + std::to_string(reply.status) + " " +
                      reply.body.substr(0, 200);
  return false;
}

void PushClient::run(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    bool ok = true;
    try {
      if (need_handshake_) {
        ok = handshake();
      }
      ok = ok && (options_posted_ || postOptions());
      ok = ok && postResults();
      ok = ok && uploadNew();
      ok = ok && uploadEvents();
      if (ok && std::chrono::steady_clock::now() >= next_poll_) {
        ok = poll();
      }
    } catch (const std::exception& error) {
      // No answer at all (server down, connection reset): as a refusal, retried later.
      const std::lock_guard lock(mutex_);
      ++stats_.refused;
      stats_.last_error = error.what();
      ok = false;
    }
    std::chrono::milliseconds pause{200};  // how soon a new punch goes out (Realtime=1)
    if (!ok) {
      const std::lock_guard lock(mutex_);
      pause = std::chrono::seconds{std::max(1, stats_.error_delay_s)};
    }
    waitFor(stop, pause);
  }
}

bool PushClient::handshake() {
  const auto& identity = device_.identity();
  const Reply reply = request(
      "GET",
      "/iclock/cdata?SN=" + identity.serial + "&options=all&pushver=" + options_.push_version +
          "&language=69&DeviceType=" + options_.device_type + "&PushOptionsFlag=1",
      "", "");
  if (!accepted(reply, "handshake")) {
    return false;
  }
  // "GET OPTION FROM: SN" then Key=Value lines (§2).
  std::istringstream lines(reply.body);
  std::string line;
  // Plain values, not an optional: GCC's -O2 flow analysis warned about reading one here.
  bool has_time_zone = false;
  std::int64_t time_zone = 0;
  std::string stamp = "None";
  const std::lock_guard lock(mutex_);
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "ATTLOGStamp") {
      stamp = value;
    } else if (key == "Delay") {
      stats_.delay_s = static_cast<int>(number(value).value_or(stats_.delay_s));
    } else if (key == "ErrorDelay") {
      stats_.error_delay_s = static_cast<int>(number(value).value_or(stats_.error_delay_s));
    } else if (key == "TimeZone") {
      if (auto parsed = number(value)) {
        has_time_zone = true;
        time_zone = *parsed;
      }
    }
  }
  // Firmware reads |TimeZone| < 12 as hours, anything else as minutes (§6).
  if (reply.date && has_time_zone) {
    const auto offset = std::abs(time_zone) < 12 ? std::chrono::minutes{time_zone * 60}
                                                 : std::chrono::minutes{time_zone};
    device_.setLocalTime(LocalSeconds{
        std::chrono::floor<std::chrono::seconds>(reply.date->time_since_epoch() + offset)});
  }
  // Resume after the server's stamp: our stamps are positions in the log (§3.1, §10.3).
  const std::size_t count = device_.attendanceCount();
  if (stamp == "None" || stamp == "0" || stamp.empty()) {
    stats_.uploaded = 0;
  } else if (stamp == "9999") {
    stats_.uploaded = count;
  } else if (auto position = number(stamp); position && *position >= 0) {
    stats_.uploaded = std::min(count, static_cast<std::size_t>(*position));
  }
  stats_.attlog_stamp = stamp;
  ++stats_.handshakes;
  need_handshake_ = false;
  options_posted_ = false;
  last_info_.clear();
  next_poll_ = {};
  return true;
}

bool PushClient::postOptions() {
  const auto& identity = device_.identity();
  const auto sizes = device_.freeSizes();
  const std::string body = "~DeviceName=" + identity.name + ",FWVersion=" + identity.firmware +
                           ",MAC=" + identity.mac + ",UserCount=" + std::to_string(sizes.users) +
                           ",FPCount=" + std::to_string(sizes.fingers) +
                           ",TransactionCount=" + std::to_string(sizes.records) +
                           ",IRTempUnitTrans=" + (options_.fahrenheit ? "1" : "0") + "\n";
  const Reply reply =
      request("POST", "/iclock/cdata?SN=" + identity.serial + "&table=options", body, "text/plain");
  options_posted_ = accepted(reply, "options");
  return options_posted_;
}

bool PushClient::uploadNew() {
  while (true) {
    const auto records = device_.punches();
    std::size_t cursor = 0;
    {
      const std::lock_guard lock(mutex_);
      // The log was cleared under us: start again at its beginning.
      stats_.uploaded = std::min(stats_.uploaded, records.size());
      cursor = stats_.uploaded;
    }
    if (cursor >= records.size()) {
      return true;
    }
    const std::size_t end = std::min(records.size(), cursor + options_.batch);
    std::vector<adms::AttendanceRecord> batch;
    for (std::size_t i = cursor; i < end; ++i) {
      batch.push_back(attlogRecord(records[i]));
    }
    const Reply reply = request("POST",
                                "/iclock/cdata?SN=" + device_.identity().serial +
                                    "&table=ATTLOG&Stamp=" + std::to_string(end),
                                adms::encodeAttlog(batch), "text/plain");
    if (!accepted(reply, "ATTLOG upload")) {
      return false;
    }
    const std::lock_guard lock(mutex_);
    stats_.uploaded = end;
    ++stats_.uploads;
  }
}

template <typename Line, typename Make, typename Encode>
bool PushClient::uploadEventTable(const char* table,
                                  std::uint64_t& cursor,
                                  Make make,
                                  Encode encode) {
  const auto events = device_.eventsFrom(cursor);
  if (events.empty()) {
    return true;
  }
  std::vector<Line> lines;
  for (const auto& event : events) {
    if (std::optional<Line> line = make(event)) {
      lines.push_back(std::move(*line));
    }
  }
  const std::uint64_t next = events.back().seq + 1;
  if (!lines.empty()) {
    const Reply reply = request("POST",
                                "/iclock/cdata?SN=" + device_.identity().serial +
                                    "&table=" + table + "&Stamp=" + std::to_string(next),
                                encode(std::span<const Line>(lines)), "text/plain");
    if (!accepted(reply, table)) {
      return false;
    }
  }
  cursor = next;
  const std::lock_guard lock(mutex_);
  stats_.event_lines += lines.size();
  return true;
}

bool PushClient::uploadEvents() {
  // Attendance firmware logs alarms, unlocks and duress as OPLOG lines (§3.2); access-control
  // firmware sends rtlog events and rtstate door states (§3.4).
  if (options_.device_type == "acc") {
    return uploadEventTable<adms::RtLogEntry>("rtlog", rtlog_cursor_, rtLogEntry,
                                              adms::encodeRtLog) &&
           uploadEventTable<adms::RtStateEntry>("rtstate", rtstate_cursor_, rtStateEntry,
                                                adms::encodeRtState);
  }
  return uploadEventTable<adms::OpLogEntry>(
      "OPERLOG", oplog_cursor_,
      [](const SimEvent& event) { return std::optional<adms::OpLogEntry>(opLogEntry(event)); },
      adms::encodeOpLog);
}

std::string PushClient::infoValue() const {
  const auto& identity = device_.identity();
  const auto sizes = device_.freeSizes();
  // firmware, users, fingerprints, records, IP, FP algorithm, face algorithm, faces per
  // enrolment, faces, feature bits, cards, user photos, attendance photos (§4.1).
  return identity.firmware + "," + std::to_string(sizes.users) + "," +
         std::to_string(sizes.fingers) + "," + std::to_string(sizes.records) +
         ",127.0.0.1,10,0,0,0,10000,0,0,0";
}

bool PushClient::poll() {
  std::string path = "/iclock/getrequest?SN=" + device_.identity().serial;
  const std::string info = infoValue();
  if (info != last_info_) {
    path += "&INFO=" + encoded(info);
  }
  const Reply reply = request("GET", path, "", "");
  if (!accepted(reply, "getrequest")) {
    return false;
  }
  last_info_ = info;
  {
    const std::lock_guard lock(mutex_);
    ++stats_.polls;
    next_poll_ =
        std::chrono::steady_clock::now() + std::chrono::seconds{std::max(1, stats_.delay_s)};
  }
  auto results = execute(reply.body);
  pending_results_.insert(pending_results_.end(), results.begin(), results.end());
  return postResults();
}

bool PushClient::postResults() {
  if (pending_results_.empty()) {
    return true;
  }
  const Reply reply =
      request("POST", "/iclock/devicecmd?SN=" + device_.identity().serial,
              adms::encodeCommandResults(pending_results_), "application/octet-stream");
  if (!accepted(reply, "devicecmd")) {
    return false;
  }
  pending_results_.clear();
  return true;
}

std::vector<adms::CommandResult> PushClient::execute(const std::string& reply) {
  std::vector<adms::CommandResult> results;
  std::istringstream lines(reply);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty() || line == "OK") {
      continue;
    }
    auto queued = adms::parseCommandLine(line);
    if (!queued) {
      // Firmware answers syntax it does not know with -1002 (§4.2), echoing the id if it can.
      const auto second = line.find(':', 2);
      const std::string id =
          line.starts_with("C:") && second != std::string::npos ? line.substr(2, second - 2) : "";
      results.push_back({id, -1002, "", {}, 0});
      continue;
    }
    results.push_back(executeOne(*queued));
    {
      const std::lock_guard lock(mutex_);
      ++stats_.commands;
    }
    if (std::holds_alternative<adms::Reboot>(queued->command)) {
      break;  // the terminal ignores what follows a REBOOT (§4.2)
    }
  }
  return results;
}

adms::CommandResult PushClient::executeOne(const adms::QueuedCommand& queued) {
  adms::CommandResult result{queued.id, 0, std::visit(CmdFamily{}, queued.command), {}, 0};
  const auto& command = queued.command;
  if (const auto* user = std::get_if<adms::UpdateUser>(&command)) {
    auto existing = device_.userByUserId(user->pin);
    zk::UserRecord record = existing
                                ? existing->record
                                : zk::UserRecord{device_.nextFreeUid(), 0, "", "", 0, 1, user->pin};
    if (user->name) {
      record.name = *user->name;
    }
    if (user->privilege) {
      record.privilege = static_cast<std::uint8_t>(*user->privilege);
    }
    if (user->password) {
      record.password = *user->password;
    }
    if (user->card) {
      record.card = static_cast<std::uint32_t>(number(*user->card).value_or(0));
    }
    if (user->group) {
      record.group = static_cast<std::uint8_t>(*user->group);
    }
    result.return_code = device_.putUser(record) ? 0 : -1004;
  } else if (const auto* remove = std::get_if<adms::DeleteUser>(&command)) {
    auto existing = device_.userByUserId(remove->pin);
    result.return_code = existing && device_.deleteUser(existing->record.uid) ? 0 : -10;
  } else if (const auto* finger = std::get_if<adms::UpdateFingerprint>(&command)) {
    auto existing = device_.userByUserId(finger->pin);
    auto data = crypto::base64Decode(finger->tmp);
    if (!existing) {
      result.return_code = -10;
    } else if (!data || data->empty()) {
      result.return_code = -11;
    } else {
      const zk::TemplateRecord record{existing->record.uid, static_cast<std::uint8_t>(finger->fid),
                                      static_cast<std::uint8_t>(finger->valid),
                                      std::move(data.value())};
      result.return_code = device_.putTemplate(record) ? 0 : -12;
    }
  } else if (const auto* fingers = std::get_if<adms::DeleteFingerprint>(&command)) {
    auto existing = device_.userByUserId(fingers->pin);
    if (!existing) {
      result.return_code = -10;
    } else {
      for (const auto& [fid, tmpl] : existing->templates) {
        if (!fingers->fid || *fingers->fid == fid) {
          device_.deleteTemplate(existing->record.uid, fid);
        }
      }
    }
  } else if (const auto* users = std::get_if<adms::QueryUsers>(&command)) {
    result.return_code = uploadUsers(users->pin) ? 0 : -1007;
  } else if (const auto* logs = std::get_if<adms::QueryAttlog>(&command)) {
    bool any = false;
    for (const auto& record : device_.attendance()) {
      any = any || (record.time >= logs->start && record.time <= logs->end);
    }
    // An empty range answers -1 (§4.3, S7).
    result.return_code =
        !any ? -1 : (uploadQueryRecords(queued.id, logs->start, logs->end) ? 0 : -1007);
  } else if (const auto* option = std::get_if<adms::SetOption>(&command)) {
    device_.setOption(option->key, option->value);
  } else if (std::holds_alternative<adms::AcUnlock>(command) ||
             std::holds_alternative<adms::UnlockDoor>(command)) {
    device_.countUnlock();
  } else if (std::holds_alternative<adms::Reboot>(command)) {
    device_.countRestart();
    need_handshake_ = true;
  } else if (std::holds_alternative<adms::CheckData>(command)) {
    need_handshake_ = true;  // re-reads the options (and the clock) from the server
  } else if (std::holds_alternative<adms::ClearLog>(command)) {
    device_.clearAttendance();
    const std::lock_guard lock(mutex_);
    stats_.uploaded = 0;
  } else if (std::holds_alternative<adms::QueryInfo>(command)) {
    const auto sizes = device_.freeSizes();
    result.fields = {{"~DeviceName", device_.identity().name},
                     {"FWVersion", device_.identity().firmware},
                     {"UserCount", std::to_string(sizes.users)},
                     {"FPCount", std::to_string(sizes.fingers)},
                     {"TransactionCount", std::to_string(sizes.records)}};
  }
  return result;
}

bool PushClient::uploadUsers(const std::optional<std::string>& pin) {
  std::string body;
  for (const auto& user : device_.users()) {
    const auto& record = user.record;
    if (pin && record.user_id != *pin) {
      continue;
    }
    body += "USER PIN=" + record.user_id + "\tName=" + record.name +
            "\tPri=" + std::to_string(record.privilege) + "\tPasswd=" + record.password +
            "\tCard=" + (record.card == 0 ? "" : std::to_string(record.card)) +
            "\tGrp=" + std::to_string(record.group) + "\tTZ=0000000000000000\tVerify=-1\n";
  }
  if (body.empty()) {
    return true;
  }
  const Reply reply =
      request("POST", "/iclock/cdata?SN=" + device_.identity().serial + "&table=OPERLOG", body,
              "text/plain");
  return accepted(reply, "OPERLOG query upload");
}

bool PushClient::uploadQueryRecords(const std::string& id, LocalSeconds start, LocalSeconds end) {
  std::vector<adms::AttendanceRecord> batch;
  for (const auto& punch : device_.punches()) {
    if (punch.record.time >= start && punch.record.time <= end) {
      batch.push_back(attlogRecord(punch));
    }
  }
  const Reply reply = request("POST",
                              "/iclock/cdata?SN=" + device_.identity().serial +
                                  "&table=ATTLOG&Stamp=9999&CmdId=" + id +
                                  "&Count=" + std::to_string(batch.size()) + "&PackCnt=1&PackIdx=1",
                              adms::encodeAttlog(batch), "text/plain");
  return accepted(reply, "ATTLOG query upload");
}

}  // namespace punchlink::zksim
