#include "push_terminal.hpp"

#include "push/push_access.hpp"
#include "push/push_events.hpp"
#include "terminals/device_event_mapper.hpp"
#include "terminals/punch_mapper.hpp"

#include <punchlink/common/text.hpp>
#include <punchlink/common/units.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/device_status.hpp>
#include <punchlink/contract/punch_batch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <variant>

namespace punchlink::agent {

namespace {

// Terminals that measure in °F report values no human body has in °C (IRTempUnitTrans=1). A
// reading that is no body's either way (a sensor fault) is left out: the relay would not take it.
std::optional<double> toCelsius(std::optional<double> reading) {
  if (!reading) {
    return std::nullopt;
  }
  constexpr double kLikelyFahrenheit = 50.0;
  const double celsius = *reading > kLikelyFahrenheit ? (*reading - 32.0) * 5.0 / 9.0 : *reading;
  const double rounded = std::round(celsius * 10.0) / 10.0;
  if (rounded < contract::kMinTemperature || rounded > contract::kMaxTemperature) {
    return std::nullopt;
  }
  return rounded;
}

// Options the terminal posts (table=options) are kept for the status; a terminal sends ~60.
constexpr std::size_t kMaxOptions = 256;
constexpr std::size_t kMaxOptionValue = 256;
// Line errors quoted in a 400 body; the log has the count.
constexpr std::size_t kErrorsInReply = 5;

// Workcodes are numbers on ZK binary terminals; push ones may send text, which has no place in
// the punch's numeric workcode.
std::uint32_t workcodeNumber(const std::string& text) {
  const auto value = parseInteger(text, false);
  return value && *value <= 0xFFFFFFFF ? static_cast<std::uint32_t>(*value) : 0;
}

// The stamp to hand back for `table`: "None" (upload everything) when there is none yet.
std::string stampFor(const std::map<std::string, std::string>& stamps, const std::string& table) {
  const auto found = stamps.find(table);
  return found == stamps.end() || found->second.empty() ? "None" : found->second;
}

PushReply badRequest(const std::string& what,
                     const std::vector<adms::LineError>& errors,
                     std::size_t omitted) {
  std::string body = what;
  for (std::size_t i = 0; i < errors.size() && i < kErrorsInReply; ++i) {
    body += "\n" + adms::toString(errors[i]);
  }
  const std::size_t more = errors.size() + omitted - std::min(errors.size(), kErrorsInReply);
  if (more > 0) {
    body += "\n(" + std::to_string(more) + " more)";
  }
  return {400, body + "\n"};
}

PushReply unavailable(const Error& error) {
  // The terminal keeps its data and retries after ErrorDelay.
  return {503, "cannot store this upload now: " + error.message + "\n"};
}

bool isQuery(const adms::Command& command) {
  return std::holds_alternative<adms::QueryUsers>(command) ||
         std::holds_alternative<adms::QueryAttlog>(command);
}

// "Time=2026-03-27T09:30:00+01:00": the answer to cdata?type=time (§6).
std::string timeReply(const TimeZone& zone, UtcSeconds now) {
  std::string local = formatLocalTime(zone.toLocal(now));
  local[10] = 'T';
  const auto offset = std::chrono::duration_cast<std::chrono::minutes>(zone.offsetAt(now));
  const auto minutes = std::abs(offset.count());
  char sign[8];
  std::snprintf(sign, sizeof sign, "%c%02d:%02d", offset.count() < 0 ? '-' : '+',
                static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return "Time=" + local + sign + "\n";
}

}  // namespace

PushTerminal::PushTerminal(std::string name,
                           PushDeviceConfig device,
                           const PushConfig& push,
                           Outbox& outbox,
                           TerminalSinks sinks,
                           Logger logger,
                           const Clock& clock)
    : name_(std::move(name)),
      device_(std::move(device)),
      push_(push),
      zone_(configuredZone(device_.time_zone)),
      outbox_(outbox),
      sinks_(std::move(sinks)),
      logger_(std::move(logger)),
      clock_(clock),
      // Ids stay unique across agent restarts, so a late result never matches a new command.
      next_step_id_(static_cast<std::uint64_t>(epochMillis(clock.now()))) {}

std::int64_t PushTerminal::nowMs() const { return epochMillis(clock_.now()); }

bool PushTerminal::online() const {
  const std::lock_guard lock(mutex_);
  return online_;
}

std::string PushTerminal::statusJson() const {
  const std::lock_guard lock(mutex_);
  return statusJsonLocked();
}

std::string PushTerminal::statusJsonLocked() const {
  contract::DeviceStatus status;
  status.name = name_;
  status.serial = device_.serial;
  status.online = online_;
  status.protocol = "push";
  status.time_zone = device_.time_zone;
  if (!online_) {
    status.reason = offline_reason_;
  }
  status.host = address_;
  status.device_type = device_type_;
  status.push_version = push_version_;
  if (info_) {
    status.firmware = info_->firmware;
    const auto count = [](const std::optional<std::uint32_t>& value) {
      return value ? std::optional<std::int64_t>(*value) : std::nullopt;
    };
    status.users = count(info_->users);
    status.fingers = count(info_->fingerprints);
    status.logs = count(info_->attendance_records);
    status.faces = count(info_->faces);
  }
  if (auto name = options_.find("~DeviceName"); name != options_.end()) {
    status.device_name = name->second;
  }
  if (last_seen_) {
    status.last_seen = formatRfc3339(std::chrono::floor<std::chrono::seconds>(*last_seen_));
  }
  if (!last_error_.empty()) {
    status.last_error = last_error_;
    status.last_error_at = formatRfc3339(std::chrono::floor<std::chrono::seconds>(last_error_at_));
  }
  status.pending_commands = static_cast<std::int64_t>(jobs_.size());
  return contract::encodeDeviceStatus(status);
}

void PushTerminal::publishStatus() {
  if (!sinks_.status) {
    return;
  }
  sinks_.status(device_.serial, statusJson());
}

void PushTerminal::report(std::vector<Finished>& finished) {
  for (auto& done : finished) {
    logger_.info("command done", {{"device", name_},
                                  {"command_id", done.command.command_id},
                                  {"type", std::string(commandTypeName(done.command.type))},
                                  {"status", done.outcome.succeeded ? "succeeded" : "failed"},
                                  {"error", done.outcome.error}});
    if (sinks_.results) {
      sinks_.results(done.command, done.outcome);
    }
  }
  if (!finished.empty()) {
    publishStatus();  // pending_commands changed
  }
}

void PushTerminal::enqueue(Command command, std::chrono::system_clock::time_point expires) {
  std::vector<Finished> finished;
  {
    const std::lock_guard lock(mutex_);
    auto plan = planPushCommand(command, zone_, device_type_,
                                std::chrono::floor<std::chrono::seconds>(clock_.now()));
    if (!plan) {
      finished.push_back({std::move(command), {false, plan.error().toString(), ""}});
    } else {
      jobs_.push_back({std::move(command), expires, std::move(plan.value()), 0, {}, {}, {}});
      startPhase(jobs_.back());
    }
  }
  report(finished);
}

void PushTerminal::startPhase(Job& job) {
  job.steps.clear();
  job.phase_started = clock_.now();
  for (const auto& command : job.plan.phases[job.phase]) {
    job.steps.push_back({std::to_string(next_step_id_++), command, 0, {}, false});
  }
}

std::optional<std::string> PushTerminal::awaitingRelay(const Job& job) {
  const bool sent = std::any_of(job.steps.begin(), job.steps.end(),
                                [](const Step& step) { return step.sends > 0; });
  if (job.plan.relay_complete_before != job.phase || sent) {
    return std::nullopt;
  }
  auto pending = outbox_.pendingFor(device_.serial);
  if (!pending) {
    return "cannot count the records not yet at the relay: " + pending.error().toString();
  }
  if (*pending > 0) {
    return std::to_string(*pending) + " records of this terminal are not at the relay yet";
  }
  return std::nullopt;
}

std::optional<std::size_t> PushTerminal::jobOfStep(const std::string& id) const {
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    for (const auto& step : jobs_[i].steps) {
      if (step.id == id && step.sends > 0) {
        return i;
      }
    }
  }
  return std::nullopt;
}

void PushTerminal::finish(std::size_t index, CommandOutcome outcome, std::vector<Finished>& done) {
  done.push_back({std::move(jobs_[index].command), std::move(outcome)});
  jobs_.erase(jobs_.begin() + static_cast<std::ptrdiff_t>(index));
}

void PushTerminal::noteError(std::string error) {
  status_dirty_ = status_dirty_ || error != last_error_;
  last_error_ = std::move(error);
  last_error_at_ = clock_.now();
}

bool PushTerminal::markSeen(const std::string& address) {
  const bool came_online = !online_;
  online_ = true;
  last_seen_ = clock_.now();
  address_ = address;
  if (came_online) {
    logger_.info("push terminal online", {{"device", name_}, {"address", address}});
  }
  return came_online;
}

std::optional<PushReply> PushTerminal::admit(const PushRequest& request) {
  std::optional<std::string> pinned;
  if (device_.pinsAddress()) {
    auto stored = outbox_.addressPin(device_.serial);
    if (!stored) {
      logger_.error("cannot read a push terminal's address pin; refusing its request",
                    {{"device", name_}, {"error", stored.error().toString()}});
      noteError("cannot read the address pin: " + stored.error().message);
      return PushReply{503, "cannot check this terminal's address now; it will retry\n"};
    }
    pinned = std::move(stored.value());
  }
  PushAccess access = checkPushAccess(device_, request.query, request.remote_address, pinned);
  if (access.verdict == PushAccess::Verdict::Pin) {
    auto stored = outbox_.pinAddress(device_.serial, request.remote_address, nowMs());
    if (!stored) {
      logger_.error("cannot store a push terminal's address pin; refusing its request",
                    {{"device", name_}, {"error", stored.error().toString()}});
      noteError("cannot store the address pin: " + stored.error().message);
      return PushReply{503, "cannot check this terminal's address now; it will retry\n"};
    }
    if (*stored == request.remote_address) {
      logger_.info("pinned a push terminal to the address it called from",
                   {{"device", name_},
                    {"serial", device_.serial},
                    {"address", *stored},
                    {"hint",
                     "requests from other addresses are refused; set host or pin_address: false "
                     "in its device entry to change that"}});
      return std::nullopt;
    }
    // The outbox kept an earlier pin (written by another process on the same file): that one
    // holds.
    access = checkPushAccess(device_, request.query, request.remote_address, *stored);
  }
  if (access.verdict != PushAccess::Verdict::Refuse) {
    return std::nullopt;
  }
  noteError(access.reason);
  logger_.limited(LogLevel::Warning, "push-refused/" + access.cause + "/" + device_.serial,
                  access.cause == "key" ? "refused a push request with a wrong or missing comm key"
                                        : "refused a push request from an unexpected address",
                  {{"device", name_},
                   {"serial", device_.serial},
                   {"address", request.remote_address},
                   {"endpoint", std::string(adms::endpointName(request.endpoint))},
                   {"reason", access.reason}});
  // Not OK, so a real terminal keeps its data; nothing of the request was used.
  return PushReply{403, access.reply + "\n"};
}

PushReply PushTerminal::handle(const PushRequest& request) {
  std::vector<Finished> finished;
  PushReply reply;
  bool status_changed = false;
  {
    const std::lock_guard lock(mutex_);
    // Checked first, under the lock: a refused request stores nothing and never sees or
    // consumes queued commands.
    if (auto refused = admit(request)) {
      // Published only when last_error changes, so a stream of forged requests does not become
      // a stream of status messages.
      status_changed = status_dirty_;
      status_dirty_ = false;
      reply = std::move(*refused);
    } else {
      reply = answer(request, finished);
      if (reply.status == 200) {
        status_changed = markSeen(request.remote_address);
      } else {
        noteError(reply.body.substr(0, reply.body.find('\n')));
      }
      status_changed = status_changed || status_dirty_ || reply.status != 200;
      status_dirty_ = false;
    }
  }
  if (status_changed) {
    publishStatus();
  }
  report(finished);
  return reply;
}

PushReply PushTerminal::answer(const PushRequest& request, std::vector<Finished>& finished) {
  switch (request.endpoint) {
    case adms::Endpoint::Cdata:
      if (request.post) {
        return upload(request);
      }
      return iequals(request.query.type, "time")
                 ? PushReply{200, timeReply(zone_,
                                            std::chrono::floor<std::chrono::seconds>(clock_.now()))}
                 : handshake(request);
    case adms::Endpoint::GetRequest:
      return poll(request);
    case adms::Endpoint::DeviceCmd:
      return request.post ? results(request, finished)
                          : PushReply{405, "devicecmd takes the results as a POST\n"};
    case adms::Endpoint::Ping:
      return {200, "OK"};
    default:
      return {404, "punchlink speaks attendance PUSH 2.x; /iclock/" +
                       std::string(adms::endpointName(request.endpoint)) + " is not supported\n"};
  }
}

PushReply PushTerminal::handshake(const PushRequest& request) {
  auto stamps = outbox_.uploadStamps(device_.serial);
  if (!stamps) {
    return unavailable(stamps.error());
  }
  push_version_ = request.query.push_version;
  if (!request.query.device_type.empty()) {
    device_type_ = request.query.device_type;
  }
  adms::HandshakeOptions options;
  options.attlog_stamp = stampFor(*stamps, "ATTLOG");
  options.operlog_stamp = stampFor(*stamps, "OPERLOG");
  if (stamps->contains("BIODATA")) {
    options.biodata_stamp = stampFor(*stamps, "BIODATA");
  }
  options.legacy_stamps = true;
  options.error_delay = static_cast<int>(push_.error_delay.count());
  options.delay = static_cast<int>(push_.delay.count());
  // Photos are not kept, so the terminal is not asked to send them.
  options.trans_flag = {"AttLog", "OpLog", "EnrollUser", "ChgUser", "EnrollFP", "ChgFP"};
  options.time_zone = std::chrono::duration_cast<std::chrono::minutes>(
      zone_.offsetAt(std::chrono::floor<std::chrono::seconds>(clock_.now())));
  options.server_version = "punchlink";
  // Below 2.4.0, so the terminal does not negotiate encryption (§2.2).
  options.push_protocol_version = "2.3.0";
  options.push_options = true;
  auto reply = adms::buildHandshakeReply(device_.serial, options);
  if (!reply) {
    return {500, "cannot build the option block: " + reply.error().message + "\n"};
  }
  logger_.info("push terminal handshake", {{"device", name_},
                                           {"pushver", request.query.push_version},
                                           {"attlog_stamp", options.attlog_stamp}});
  return {200, *reply};
}

PushReply PushTerminal::upload(const PushRequest& request) {
  const std::string& table = request.query.table;
  if (table.empty()) {
    return {400, "an upload needs table= (ATTLOG, OPERLOG, BIODATA, options)\n"};
  }
  if (iequals(table, "ATTLOG")) {
    return uploadAttendance(request);
  }
  for (const char* operations : {"OPERLOG", "BIODATA"}) {
    if (iequals(table, operations)) {
      return uploadOperations(request, operations);
    }
  }
  if (adms::classifyTable(table) == adms::UploadTable::RtLog) {
    return uploadRtLog(request);
  }
  if (adms::classifyTable(table) == adms::UploadTable::RtState) {
    return uploadRtState(request);
  }
  if (iequals(table, "options")) {
    // One line of comma-separated Key=Value pairs (§2.1).
    std::string_view rest = request.body;
    while (!rest.empty() && options_.size() < kMaxOptions) {
      const auto comma = rest.find_first_of(",\n");
      const std::string_view pair = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && eq > 0) {
        std::string value(pair.substr(eq + 1, kMaxOptionValue));
        std::erase_if(value, [](char c) { return c == '\r'; });
        options_[std::string(pair.substr(0, eq))] = std::move(value);
      }
    }
    status_dirty_ = true;  // device_name
    return {200, "OK"};
  }
  // ATTPHOTO, ERRORLOG, IDCARD…: not kept by punchlink (docs/push-terminals.md). Answering OK
  // here loses nothing punchlink would deliver, and a refusal would make the terminal resend
  // them forever.
  const auto lines =
      static_cast<std::size_t>(std::count(request.body.begin(), request.body.end(), '\n'));
  logger_.debug("push upload not kept", {{"device", name_}, {"table", table}});
  return {200, adms::uploadReply(lines)};
}

PushReply PushTerminal::uploadAttendance(const PushRequest& request) {
  const adms::AttlogBatch batch = adms::parseAttlog(request.body);
  if (!batch.errors.empty()) {
    // All or nothing: answering OK for part of a batch would lose the rest, and the terminal
    // resends whole batches.
    logger_.limited(LogLevel::Warning, "push-attlog/" + device_.serial,
                    "refused an ATTLOG upload with malformed lines",
                    {{"device", name_},
                     {"errors", std::to_string(batch.errors.size() + batch.errors_omitted)},
                     {"first", adms::toString(batch.errors.front())}});
    return badRequest("ATTLOG upload refused, nothing stored:", batch.errors, batch.errors_omitted);
  }
  std::vector<OutboxPunch> punches;
  punches.reserve(batch.records.size());
  const UtcSeconds now = std::chrono::floor<std::chrono::seconds>(clock_.now());
  for (const auto& record : batch.records) {
    DevicePunch punch{device_.serial,
                      name_,
                      record.pin,
                      record.time,
                      record.status,
                      record.verify,
                      workcodeNumber(record.workcode),
                      "push"};
    punch.agent_now = now;
    const adms::AttlogBiometrics measured = adms::attlogBiometrics(record);
    punch.temperature = toCelsius(measured.temperature);
    punch.mask_detected = measured.mask;
    punches.push_back(toOutboxPunch(punch, zone_));
  }
  // Rows a query asked for (CmdId) are old rows: they do not move the stream's stamp. For
  // read_log they go to the relay again even when the outbox has them (the relay may lack
  // them); for clear_attendance only those the outbox lacks do, since the relay's ack of the
  // others is its word that it stored them, and a whole log sent again would outlast the wait.
  std::optional<UploadStamp> stamp;
  if (request.query.cmd_id.empty() && !request.query.stamp.empty()) {
    stamp = UploadStamp{device_.serial, "ATTLOG", request.query.stamp};
  }
  const auto asked_by =
      request.query.cmd_id.empty() ? std::nullopt : jobOfStep(request.query.cmd_id);
  const bool reread = asked_by && jobs_[*asked_by].command.type == CommandType::ReadLog;
  auto inserted =
      reread ? outbox_.republish(punches, nowMs()) : outbox_.insert(punches, nowMs(), stamp);
  if (!inserted) {
    logger_.error("cannot store pushed punches; the terminal will send them again",
                  {{"device", name_}, {"error", inserted.error().toString()}});
    return unavailable(inserted.error());
  }
  if (asked_by) {
    jobs_[*asked_by].progress.records += punches.size();
    jobs_[*asked_by].progress.new_records += *inserted;
  }
  if (*inserted > 0 && sinks_.punches) {
    sinks_.punches(*inserted);
  }
  return {200, adms::uploadReply(batch.records.size())};
}

PushReply PushTerminal::uploadOperations(const PushRequest& request, const std::string& table) {
  const adms::OperlogBatch batch = adms::parseOperlog(request.body);
  if (!batch.errors.empty()) {
    // Unlike ATTLOG, nothing here is kept, so a line we cannot read loses nothing; refusing it
    // would make the terminal send the same batch forever, and firmware uploads its tables in
    // turn, so its punches would wait behind it.
    noteError(table + " " + adms::toString(batch.errors.front()) + " (line skipped)");
    logger_.limited(LogLevel::Warning, "push-operlog/" + device_.serial,
                    "skipped malformed lines of an upload",
                    {{"device", name_},
                     {"table", table},
                     {"lines", std::to_string(batch.errors.size() + batch.errors_omitted)},
                     {"first", adms::toString(batch.errors.front())}});
  }
  // USER lines answer a DATA QUERY USERINFO in flight (§8.7); the terminal also sends them when
  // someone is enrolled at its keypad, which the relay learns from read_users.
  for (auto& job : jobs_) {
    const bool querying = std::any_of(job.steps.begin(), job.steps.end(), [](const Step& step) {
      return step.sends > 0 && !step.done && std::holds_alternative<adms::QueryUsers>(step.command);
    });
    if (!querying) {
      continue;
    }
    for (const auto& entry : batch.entries) {
      if (const auto* user = std::get_if<adms::UserEntry>(&entry)) {
        job.progress.users.push_back(*user);
      }
    }
    break;
  }
  // Alarms, unlocks and duress are kept like punches, with the stamp in the same commit.
  std::vector<OutboxPunch> events;
  for (const auto& entry : batch.entries) {
    if (const auto* operation = std::get_if<adms::OpLogEntry>(&entry)) {
      if (auto event = eventOfOperation(*operation, device_.serial, name_)) {
        events.push_back(toOutboxEvent(*event, zone_));
      }
    }
  }
  std::optional<UploadStamp> stamp;
  if (!request.query.stamp.empty()) {
    stamp = UploadStamp{device_.serial, table, request.query.stamp};
  }
  if (!events.empty() || stamp) {
    auto saved = outbox_.insert(events, nowMs(), stamp);
    if (!saved) {
      return unavailable(saved.error());
    }
    if (*saved > 0 && sinks_.punches) {
      sinks_.punches(*saved);
    }
  }
  return {200, adms::uploadReply(batch.entries.size())};
}

PushReply PushTerminal::uploadRtLog(const PushRequest& request) {
  const adms::RtLogBatch batch = adms::parseRtLog(request.body);
  if (!batch.errors.empty()) {
    // Verified passages are punches: all or nothing, as for ATTLOG.
    logger_.limited(LogLevel::Warning, "push-rtlog/" + device_.serial,
                    "refused an rtlog upload with malformed lines",
                    {{"device", name_}, {"first", adms::toString(batch.errors.front())}});
    return badRequest("rtlog upload refused, nothing stored:", batch.errors, batch.errors_omitted);
  }
  RtLogOutcome outcome = fromRtLog(batch.entries, device_.serial, name_);
  std::vector<OutboxPunch> rows;
  const UtcSeconds now = std::chrono::floor<std::chrono::seconds>(clock_.now());
  for (auto& punch : outcome.punches) {
    punch.agent_now = now;
    punch.temperature = toCelsius(punch.temperature);
    rows.push_back(toOutboxPunch(punch, zone_));
  }
  for (const auto& event : outcome.events) {
    rows.push_back(toOutboxEvent(event, zone_));
  }
  return store(rows, batch.entries.size());
}

PushReply PushTerminal::uploadRtState(const PushRequest& request) {
  const adms::RtStateBatch batch = adms::parseRtState(request.body);
  if (!batch.errors.empty()) {
    noteError("rtstate " + adms::toString(batch.errors.front()) + " (line skipped)");
  }
  std::vector<OutboxPunch> rows;
  for (const auto& entry : batch.entries) {
    for (const auto& event : fromRtState(entry, door_states_, device_.serial, name_)) {
      rows.push_back(toOutboxEvent(event, zone_));
    }
  }
  return store(rows, batch.entries.size());
}

PushReply PushTerminal::store(const std::vector<OutboxPunch>& rows, std::size_t lines) {
  if (!rows.empty()) {
    auto inserted = outbox_.insert(rows, nowMs());
    if (!inserted) {
      logger_.error("cannot store a push upload; the terminal will send it again",
                    {{"device", name_}, {"error", inserted.error().toString()}});
      return unavailable(inserted.error());
    }
    if (*inserted > 0 && sinks_.punches) {
      sinks_.punches(*inserted);
    }
  }
  return {200, adms::uploadReply(lines)};
}

PushReply PushTerminal::poll(const PushRequest& request) {
  if (!request.query.info.empty()) {
    // INFO only feeds the status: a poll with one we cannot read is still a heartbeat and gets
    // its commands, or the terminal would look offline and never be served.
    if (auto info = adms::parseDeviceInfo(request.query.info); !info) {
      noteError("INFO ignored: " + info.error().message);
      logger_.limited(LogLevel::Warning, "push-info/" + device_.serial, "ignored a malformed INFO",
                      {{"device", name_}, {"error", info.error().message}});
    } else {
      status_dirty_ = status_dirty_ || info_ != *info;
      info_ = std::move(info.value());
    }
  }
  const auto now = clock_.now();
  std::vector<adms::QueuedCommand> batch;
  for (auto& job : jobs_) {
    if (awaitingRelay(job)) {
      break;  // and so do the commands behind it, which the relay queued after it
    }
    bool waiting = false;
    bool ends_batch = job.phase + 1 < job.plan.phases.size();
    std::vector<Step*> due;
    for (auto& step : job.steps) {
      if (step.done) {
        continue;
      }
      if (step.sends == 0 ||
          (now - step.sent_at >= push_.command_timeout && step.sends < push_.command_attempts)) {
        due.push_back(&step);
      } else {
        waiting = true;
      }
      ends_batch =
          ends_batch || isQuery(step.command) || std::holds_alternative<adms::Reboot>(step.command);
    }
    if (batch.size() + due.size() > adms::kMaxCommandsPerReply) {
      break;
    }
    for (Step* step : due) {
      ++step->sends;
      step->sent_at = now;
      batch.push_back({step->id, step->command});
    }
    // Later commands wait for a phase still to come, a query's uploads, or a reboot.
    if ((ends_batch && (waiting || !due.empty()))) {
      break;
    }
  }
  if (batch.empty()) {
    return {200, "OK"};
  }
  auto reply = adms::buildCommandReply(batch);
  if (!reply) {
    // Plans are checked when queued; this is a bug, not the terminal's fault.
    logger_.error("cannot encode push commands", {{"error", reply.error().toString()}});
    return {200, "OK"};
  }
  logger_.debug("push commands sent", {{"device", name_}, {"count", std::to_string(batch.size())}});
  return {200, *reply};
}

PushReply PushTerminal::results(const PushRequest& request, std::vector<Finished>& finished) {
  const adms::CommandResultBatch batch = adms::parseCommandResults(request.body);
  if (batch.results.empty() && !batch.errors.empty()) {
    return badRequest("devicecmd body has no result:", batch.errors, batch.errors_omitted);
  }
  for (const auto& result : batch.results) {
    const auto index = jobOfStep(result.id);
    if (!index) {
      logger_.debug("result for a command this agent is not waiting for",
                    {{"device", name_}, {"id", result.id}});
      continue;
    }
    Job& job = jobs_[*index];
    auto step = std::find_if(job.steps.begin(), job.steps.end(),
                             [&](const Step& candidate) { return candidate.id == result.id; });
    step->done = true;
    job.progress.results.push_back(result);
    if (auto refused = refusal(step->command, result)) {
      finish(*index, {false, *refused, ""}, finished);
    }
  }
  for (std::size_t i = 0; i < jobs_.size();) {
    Job& job = jobs_[i];
    const bool phase_done =
        std::all_of(job.steps.begin(), job.steps.end(), [](const Step& step) { return step.done; });
    if (!phase_done) {
      ++i;
      continue;
    }
    if (auto stop = checkPhase(job.command, job.phase, job.progress)) {
      finish(i, {false, *stop, ""}, finished);
      continue;
    }
    if (job.phase + 1 < job.plan.phases.size()) {
      ++job.phase;
      startPhase(job);
      ++i;
      continue;
    }
    if (job.command.type == CommandType::ClearAttendance) {
      // The terminal numbers its records afresh; an old stamp would make it skip new ones
      // after its next reboot.
      if (auto reset = outbox_.insert({}, nowMs(), UploadStamp{device_.serial, "ATTLOG", ""});
          !reset) {
        logger_.error(
            "cannot reset the ATTLOG stamp after clear_attendance; if the terminal "
            "reboots it may skip records until its numbers pass the old stamp",
            {{"device", name_}, {"error", reset.error().toString()}});
      }
    }
    CommandOutcome outcome = pushOutcome(job.command, job.progress);
    finish(i, std::move(outcome), finished);
  }
  return {200, "OK"};
}

void PushTerminal::failExpired(std::vector<Finished>& finished) {
  const auto now = clock_.now();
  for (std::size_t i = 0; i < jobs_.size();) {
    const Job& job = jobs_[i];
    if (now - job.phase_started >= push_.command_timeout) {
      if (auto awaiting = awaitingRelay(job)) {
        finish(i,
               {false,
                *awaiting + " after " +
                    formatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(
                        push_.command_timeout)) +
                    "; nothing was cleared. Send clear_attendance again once the agent's "
                    "uplink has delivered them",
                ""},
               finished);
        continue;
      }
    }
    const bool sent = std::any_of(job.steps.begin(), job.steps.end(),
                                  [](const Step& step) { return step.sends > 0; });
    const bool exhausted = std::any_of(job.steps.begin(), job.steps.end(), [&](const Step& step) {
      return !step.done && step.sends >= push_.command_attempts &&
             now - step.sent_at >= push_.command_timeout;
    });
    if (exhausted) {
      finish(i,
             {false,
              "the terminal did not confirm the command after " +
                  std::to_string(push_.command_attempts) + " sends",
              ""},
             finished);
    } else if (now >= job.expires) {
      finish(i,
             {false,
              sent      ? "expired before the terminal confirmed it"
              : online_ ? "expired while queued behind the terminal's earlier commands"
                        : "expired: the terminal did not poll for commands before expires_at",
              ""},
             finished);
    } else {
      ++i;
    }
  }
}

void PushTerminal::tick() {
  std::vector<Finished> finished;
  bool went_offline = false;
  {
    const std::lock_guard lock(mutex_);
    if (online_ && last_seen_ && clock_.now() - *last_seen_ >= push_.offline_after) {
      online_ = false;
      offline_reason_ =
          "no request for " + formatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  push_.offline_after));
      went_offline = true;
      logger_.warn("push terminal offline", {{"device", name_}, {"reason", offline_reason_}});
    }
    failExpired(finished);
  }
  if (went_offline) {
    publishStatus();
  }
  report(finished);
}

}  // namespace punchlink::agent
