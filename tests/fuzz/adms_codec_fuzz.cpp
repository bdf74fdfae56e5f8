// libFuzzer target for every ADMS parser: paths, query strings, INFO, ATTLOG/OPERLOG/BIODATA
// bodies (with ATTLOG's mask and temperature columns), Security PUSH rtlog/rtstate bodies, command
// lines and devicecmd results, plus the encoders fed fuzzed values. Bad input
// must give errors, never a crash; what a parser accepts must survive encode → parse unchanged,
// and an encoder must never let a fuzzed value inject a line.
#include <punchlink/common/adms/adms_codec.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using namespace punchlink::adms;

// A broken invariant is a finding: abort so libFuzzer (or the replay ctest) reports the input.
void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void fuzzRequests(std::string_view text) {
  (void)classifyPath(text);
  (void)endpointName(classifyPath(text));
  (void)percentDecode(text);
  (void)parseDeviceInfo(text);
  if (const auto query = parseIclockQuery(text); query.ok()) {
    check(isValidSerial(query->serial));
    (void)parseDeviceInfo(query->info);
  }
}

void fuzzUploads(std::string_view text) {
  const auto attlog = parseAttlog(text);
  check(attlog.errors.size() <= kMaxLineErrors);
  // Everything accepted is written back canonically and must parse to the same records.
  const auto again = parseAttlog(encodeAttlog(attlog.records));
  check(again.errors.empty() && again.records == attlog.records);
  for (const auto& record : attlog.records) {
    const auto biometrics = attlogBiometrics(record);
    check(!biometrics.temperature || (*biometrics.temperature >= kMinTemperature &&
                                      *biometrics.temperature <= kMaxTemperature));
    AttendanceRecord rewritten{record.pin, record.time, record.status, record.verify, "", {}};
    setAttlogBiometrics(rewritten, biometrics);
    check(attlogBiometrics(rewritten) == biometrics);
  }
  (void)classifyTable(text);

  const auto rtlog = parseRtLog(text);
  check(rtlog.errors.size() <= kMaxLineErrors);
  const auto rtlog_again = parseRtLog(encodeRtLog(rtlog.entries));
  check(rtlog_again.errors.empty() && rtlog_again.entries == rtlog.entries);

  const auto rtstate = parseRtState(text);
  check(rtstate.errors.size() <= kMaxLineErrors);
  const auto rtstate_again = parseRtState(encodeRtState(rtstate.entries));
  check(rtstate_again.errors.empty() && rtstate_again.entries == rtstate.entries);
  for (const auto& entry : rtstate.entries) {
    for (int door = 0; door <= 40; ++door) {
      (void)doorState(entry, door);
    }
  }

  const auto operlog = parseOperlog(text);
  check(operlog.errors.size() <= kMaxLineErrors);
}

void fuzzCommands(std::string_view text) {
  if (const auto parsed = parseCommandLine(text); parsed.ok()) {
    const auto line = encodeCommand(parsed->id, parsed->command);
    check(line.ok());
    const auto reparsed = parseCommandLine(*line);
    check(reparsed.ok() && *reparsed == *parsed);
  }

  // Fuzzed values in the encoders: either an error, or one line that parses back.
  const std::string value(text.substr(0, std::min<std::size_t>(text.size(), 64)));
  const UpdateUser user{.pin = value, .name = value, .password = value, .card = value};
  if (const auto line = encodeCommand("1", user); line.ok()) {
    check(line->find_first_of("\r\n") == std::string::npos);
    const auto parsed = parseCommandLine(*line);
    check(parsed.ok() && parsed->command == Command{user});
  }
  if (const auto line = encodeCommand("2", SetOption{"ServerName", value}); line.ok()) {
    check(line->find_first_of("\t\r\n") == std::string::npos);
  }
  HandshakeOptions options;
  options.attlog_stamp = value;
  options.extra = {{"ServerName", value}};
  if (const auto reply = buildHandshakeReply(value, options); reply.ok()) {
    // 12 fixed lines + ServerName: no value may add one.
    check(std::count(reply->begin(), reply->end(), '\n') == 13);
  }

  const auto results = parseCommandResults(text);
  check(results.errors.size() <= kMaxLineErrors);
  for (const auto& result : results.results) {
    check(!result.id.empty());
    (void)commandSucceeded(result);
    (void)describeReturnCode(result.return_code, result.cmd);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Every parser sees the same bytes: seeds of one kind are useful noise for the others.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzzRequests(text);
  fuzzUploads(text);
  fuzzCommands(text);
  return 0;
}
