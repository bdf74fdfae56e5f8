// Upload bodies: ATTLOG punches and their mask/temperature columns (§3.1), the tagged
// OPERLOG/BIODATA lines (§3.2, §3.3) and Security PUSH rtlog/rtstate lines (§3.4). Each line
// stands alone: a bad one becomes a LineError and the good ones around it are kept, because
// the caller acknowledges the batch and a dropped good punch would never be resent (§8.2).
#include "adms_text.hpp"

#include <punchlink/common/adms/adms_codec.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace punchlink::adms {

namespace {

using detail::isHex;
using detail::quote;

Error lineError(std::string message) {
  return makeError(ErrorCode::InvalidInput, std::move(message));
}

std::string_view stripBom(std::string_view body) noexcept {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  return body.substr(0, kBom.size()) == kBom ? body.substr(kBom.size()) : body;
}

bool isBlank(std::string_view line) noexcept {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// Length and control-byte checks every upload line gets before anything else.
std::optional<Error> checkLine(std::string_view line, std::size_t limit) {
  if (line.size() > limit) {
    return lineError("line is " + std::to_string(line.size()) + " bytes, more than " +
                     std::to_string(limit));
  }
  if (const auto pos = detail::findControl(line, true)) {
    return lineError("line " + detail::describeControl(line, *pos));
  }
  return std::nullopt;
}

Result<LocalSeconds> parseTime(std::string_view what, std::string_view text) {
  auto time = parseLocalTime(text);
  if (!time) {
    return lineError(std::string(what) + " " + quote(text) + " is not a valid YYYY-MM-DD HH:MM:SS");
  }
  return *time;
}

bool looksLikeDate(std::string_view text) noexcept {
  return text.size() == 10 && text[4] == '-' && text[7] == '-';
}

bool looksLikeClock(std::string_view text) noexcept {
  return text.size() == 8 && text[2] == ':' && text[5] == ':';
}

// --- ATTLOG
// ----------------------------------------------------------------------------------------

Result<AttendanceRecord> parseAttlogLine(std::string_view line) {
  if (auto error = checkLine(line, kMaxAttlogLineLength)) {
    return *error;
  }
  std::vector<std::string_view> columns;
  if (line.find('\t') != std::string_view::npos) {
    // Positional: empty columns (workcode) keep their place.
    for (std::string_view column : detail::split(line, '\t')) {
      columns.push_back(detail::trimSpaces(column));
    }
  } else {
    // Space-separated variant: runs of spaces are one separator.
    for (std::string_view token : detail::split(line, ' ')) {
      if (!token.empty()) {
        columns.push_back(token);
      }
    }
  }
  // The date and time arrive as two columns when spaces separate everything (or, rarely, a TAB
  // sits between them); rejoin them into one time column.
  std::string time_text = columns.size() > 1 ? std::string(columns[1]) : std::string{};
  if (columns.size() > 2 && looksLikeDate(columns[1]) && looksLikeClock(columns[2])) {
    time_text = std::string(columns[1]) + " " + std::string(columns[2]);
    columns.erase(columns.begin() + 2);
  }
  if (columns.size() < 4) {
    return lineError("has " + std::to_string(columns.size()) +
                     " columns, expected at least 4 (PIN, time, status, verify): " + quote(line));
  }
  AttendanceRecord record;
  if (auto problem = detail::checkUploadedPin(columns[0])) {
    return lineError(*problem);
  }
  record.pin = std::string(columns[0]);
  auto time = parseTime("time", time_text);
  if (!time) {
    return time.error();
  }
  record.time = *time;
  auto status = detail::parseIntField("status", columns[2], 0, 255);
  if (!status) {
    return status.error();
  }
  record.status = *status;
  auto verify = detail::parseIntField("verify", columns[3], 0, 255);
  if (!verify) {
    return verify.error();
  }
  record.verify = *verify;
  if (columns.size() > 4) {
    record.workcode = std::string(columns[4]);
  }
  for (std::size_t i = 5; i < columns.size(); ++i) {
    record.extra.emplace_back(columns[i]);
  }
  return record;
}

// --- OPERLOG -------------------------------------------------------------------------------------

struct KeyValue {
  std::string_view key;
  std::string_view value;
};

// Key=value fields of a tagged line. Values keep their spaces ("Name=Jorge Leon"); a value may
// contain '=' (base64 padding), so only the first '=' splits.
class KeyValues {
 public:
  static Result<KeyValues> parse(std::string_view fields, bool strict) {
    KeyValues out;
    for (std::string_view piece : detail::split(fields, '\t')) {
      if (detail::trimSpaces(piece).empty()) {
        continue;
      }
      const std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        if (strict) {
          return lineError("field " + quote(piece) + " has no '='");
        }
        out.pairs_.push_back({{}, piece});
        continue;
      }
      const std::string_view key = detail::trimSpaces(piece.substr(0, eq));
      if (strict) {
        if (key.empty()) {
          return lineError("field " + quote(piece) + " has an empty key");
        }
        if (out.find(key)) {
          return lineError("key " + quote(key) + " appears twice");
        }
      }
      out.pairs_.push_back({key, piece.substr(eq + 1)});
    }
    return out;
  }

  // Case-insensitive: S1 spells the user id "PIN" or "Pin" depending on the record type.
  std::optional<std::string_view> find(std::string_view key) const noexcept {
    for (const auto& pair : pairs_) {
      if (detail::iequals(pair.key, key)) {
        return pair.value;
      }
    }
    return std::nullopt;
  }

  const std::vector<KeyValue>& pairs() const noexcept { return pairs_; }

 private:
  std::vector<KeyValue> pairs_;
};

Result<std::string> requirePin(const KeyValues& fields) {
  const auto pin = fields.find("PIN");
  if (!pin) {
    return lineError("has no PIN field");
  }
  if (auto problem = detail::checkUploadedPin(*pin)) {
    return lineError(*problem);
  }
  return std::string(*pin);
}

Result<std::optional<int>> optionalInt(const KeyValues& fields,
                                       std::string_view key,
                                       int min,
                                       int max) {
  const auto text = fields.find(key);
  if (!text || text->empty()) {
    return std::optional<int>{};
  }
  auto value = detail::parseIntField(key, *text, min, max);
  if (!value) {
    return value.error();
  }
  return std::optional<int>{*value};
}

Result<int> requireInt(const KeyValues& fields, std::string_view key, int min, int max) {
  auto value = optionalInt(fields, key, min, max);
  if (!value) {
    return value.error();
  }
  if (!value->has_value()) {
    return lineError("has no " + std::string(key) + " field");
  }
  return **value;
}

Result<std::string> requireTemplate(const KeyValues& fields) {
  const auto tmp = fields.find("TMP");
  if (!tmp || tmp->empty()) {
    return lineError("has no TMP field");
  }
  if (!detail::looksLikeBase64(*tmp)) {
    return lineError("TMP " + quote(*tmp) + " is not base64");
  }
  return std::string(*tmp);
}

std::string text(const KeyValues& fields, std::string_view key) {
  return std::string(fields.find(key).value_or(std::string_view{}));
}

Result<OperlogEntry> parseOpLog(std::string_view rest) {
  // Positional, so empty columns keep their place; trailing empty ones are dropped.
  std::vector<std::string_view> columns;
  for (std::string_view column : detail::split(rest, '\t')) {
    columns.push_back(detail::trimSpaces(column));
  }
  while (!columns.empty() && columns.back().empty()) {
    columns.pop_back();
  }
  if (columns.size() < 3) {
    return lineError("OPLOG has " + std::to_string(columns.size()) +
                     " columns, expected at least 3 (op, operator, time)");
  }
  OpLogEntry entry;
  auto op = detail::parseIntField("OPLOG op", columns[0], 0, 65535);
  if (!op) {
    return op.error();
  }
  entry.op = *op;
  entry.admin = std::string(columns[1]);
  auto time = parseTime("OPLOG time", columns[2]);
  if (!time) {
    return time.error();
  }
  entry.time = *time;
  for (std::size_t i = 3; i < columns.size(); ++i) {
    entry.objects.emplace_back(columns[i]);
  }
  return OperlogEntry{std::move(entry)};
}

Result<OperlogEntry> parseUser(const KeyValues& fields) {
  UserEntry user;
  auto pin = requirePin(fields);
  if (!pin) {
    return pin.error();
  }
  user.pin = std::move(*pin);
  auto privilege = optionalInt(fields, "Pri", 0, 255);
  auto group = optionalInt(fields, "Grp", 0, 65535);
  auto verify = optionalInt(fields, "Verify", -1, 255);
  for (const auto* number : {&privilege, &group, &verify}) {
    if (!*number) {
      return number->error();
    }
  }
  user.privilege = *privilege;
  user.group = *group;
  user.verify = *verify;
  user.name = text(fields, "Name");
  user.password = text(fields, "Passwd");
  user.card = text(fields, "Card");
  user.time_zone = text(fields, "TZ");
  user.vice_card = text(fields, "ViceCard");
  user.start_datetime = text(fields, "StartDatetime");
  user.end_datetime = text(fields, "EndDatetime");
  return OperlogEntry{std::move(user)};
}

Result<OperlogEntry> parseTemplate(TemplateKind kind, const KeyValues& fields) {
  TemplateEntry entry;
  entry.kind = kind;
  auto pin = requirePin(fields);
  if (!pin) {
    return pin.error();
  }
  entry.pin = std::move(*pin);
  auto fid = requireInt(fields, "FID", 0, 255);
  if (!fid) {
    return fid.error();
  }
  entry.fid = *fid;
  auto index = optionalInt(fields, "Index", 0, 255);
  auto valid = optionalInt(fields, "Valid", 0, 255);
  auto size = optionalInt(fields, "Size", 0, static_cast<int>(kMaxOperlogLineLength));
  for (const auto* number : {&index, &valid, &size}) {
    if (!*number) {
      return number->error();
    }
  }
  if (kind == TemplateKind::FingerVein) {
    entry.index = *index;
  }
  entry.valid = valid->value_or(1);
  if (size->has_value()) {
    entry.size = static_cast<std::size_t>(**size);
  }
  auto tmp = requireTemplate(fields);
  if (!tmp) {
    return tmp.error();
  }
  entry.tmp = std::move(*tmp);
  return OperlogEntry{std::move(entry)};
}

Result<OperlogEntry> parseBioData(const KeyValues& fields) {
  BioDataEntry entry;
  auto pin = requirePin(fields);
  if (!pin) {
    return pin.error();
  }
  entry.pin = std::move(*pin);
  auto type = requireInt(fields, "Type", 0, 255);
  if (!type) {
    return type.error();
  }
  entry.type = *type;
  auto no = optionalInt(fields, "No", 0, 255);
  auto index = optionalInt(fields, "Index", 0, 255);
  auto valid = optionalInt(fields, "Valid", 0, 255);
  auto duress = optionalInt(fields, "Duress", 0, 255);
  for (const auto* number : {&no, &index, &valid, &duress}) {
    if (!*number) {
      return number->error();
    }
  }
  entry.no = no->value_or(0);
  entry.index = index->value_or(0);
  entry.valid = valid->value_or(1);
  entry.duress = duress->value_or(0);
  entry.major_version = text(fields, "MajorVer");
  entry.minor_version = text(fields, "MinorVer");
  entry.format = text(fields, "Format");
  auto tmp = requireTemplate(fields);
  if (!tmp) {
    return tmp.error();
  }
  entry.tmp = std::move(*tmp);
  return OperlogEntry{std::move(entry)};
}

bool isTag(std::string_view tag) noexcept {
  if (tag.empty() || tag.size() > 32) {
    return false;
  }
  for (char c : tag) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

Result<OperlogEntry> parseOperlogLine(std::string_view line) {
  if (auto error = checkLine(line, kMaxOperlogLineLength)) {
    return *error;
  }
  // The tag is followed by one SPACE (§3.2); a TAB is tolerated because some servers and
  // firmware write one there (§8.6).
  const std::size_t separator = line.find_first_of(" \t");
  const std::string_view tag = line.substr(0, separator);
  if (!isTag(tag)) {
    return lineError(
        "record tag " + quote(tag) +
        " is not a word; expected OPLOG, USER, FP, FACE, FVEIN, BIODATA... and a space");
  }
  if (separator == std::string_view::npos || isBlank(line.substr(separator + 1))) {
    return lineError(std::string(tag) + " record has no fields");
  }
  const std::string_view rest = line.substr(separator + 1);
  if (tag == "OPLOG") {
    return parseOpLog(rest);
  }
  constexpr std::array<std::string_view, 5> kTyped = {"USER", "FP", "FACE", "FVEIN", "BIODATA"};
  const bool typed = std::find(kTyped.begin(), kTyped.end(), tag) != kTyped.end();
  auto fields = KeyValues::parse(rest, typed);
  if (!fields) {
    return lineError(std::string(tag) + " " + fields.error().message);
  }
  if (tag == "USER") {
    return parseUser(*fields);
  }
  if (tag == "FP") {
    return parseTemplate(TemplateKind::Fingerprint, *fields);
  }
  if (tag == "FACE") {
    return parseTemplate(TemplateKind::Face, *fields);
  }
  if (tag == "FVEIN") {
    return parseTemplate(TemplateKind::FingerVein, *fields);
  }
  if (tag == "BIODATA") {
    return parseBioData(*fields);
  }
  OtherEntry other;
  other.tag = std::string(tag);
  for (const auto& pair : fields->pairs()) {
    other.fields.push_back(Field{std::string(pair.key), std::string(pair.value)});
  }
  return OperlogEntry{std::move(other)};
}

// --- ATTLOG extension columns and rtlog readings
// ---------------------------------------------------

std::optional<bool> parseMask(std::string_view text) noexcept {
  text = detail::trimSpaces(text);
  if (text == "1") {
    return true;
  }
  if (text == "0") {
    return false;
  }
  return std::nullopt;
}

// A plain decimal ("36.3", "97"); exponents, "inf" and "nan" are not temperatures.
std::optional<double> parseTemperature(std::string_view text) noexcept {
  text = detail::trimSpaces(text);
  if (text.empty() || text.size() > 32) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) ||
      value < kMinTemperature || value > kMaxTemperature) {
    return std::nullopt;
  }
  return value;
}

std::string formatMask(const std::optional<bool>& mask) { return mask ? (*mask ? "1" : "0") : ""; }

// The shortest text that reads back as the same double.
std::string formatTemperature(const std::optional<double>& temperature) {
  if (!temperature) {
    return {};
  }
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), *temperature,
                                       std::chars_format::fixed);
  return ec == std::errc{} ? std::string(buffer.data(), end) : std::string{};
}

// --- rtlog / rtstate ---------------------------------------------------------------------------

constexpr std::size_t kMaxStateHexLength = 64;

// "rtlog time=…": a leading word before the first space that has no '=' in it.
std::string_view skipTag(std::string_view line) noexcept {
  const std::size_t space = line.find(' ');
  const std::size_t stop = line.find_first_of("=\t");
  if (space != std::string_view::npos && (stop == std::string_view::npos || space < stop)) {
    return line.substr(space + 1);
  }
  return line;
}

Result<KeyValues> realtimeFields(std::string_view line) {
  if (auto error = checkLine(line, kMaxAttlogLineLength)) {
    return *error;
  }
  return KeyValues::parse(skipTag(line), true);
}

Result<LocalSeconds> requireTime(const KeyValues& fields) {
  const auto text = fields.find("time");
  if (!text || detail::trimSpaces(*text).empty()) {
    return lineError("has no time field");
  }
  return parseTime("time", detail::trimSpaces(*text));
}

// An empty or absent number is 0.
Result<int> numberOrZero(const KeyValues& fields, std::string_view key, int max) {
  const auto text = fields.find(key);
  if (!text || detail::trimSpaces(*text).empty()) {
    return 0;
  }
  return detail::parseIntField(key, detail::trimSpaces(*text), 0, max);
}

Result<RtLogEntry> parseRtLogLine(std::string_view line) {
  auto fields = realtimeFields(line);
  if (!fields) {
    return fields.error();
  }
  RtLogEntry entry;
  auto time = requireTime(*fields);
  if (!time) {
    return time.error();
  }
  entry.time = *time;
  const auto event_text = fields->find("event");
  if (!event_text || detail::trimSpaces(*event_text).empty()) {
    return lineError("has no event field");
  }
  auto event = numberOrZero(*fields, "event", 65535);
  auto door = numberOrZero(*fields, "eventaddr", 255);
  auto in_out = numberOrZero(*fields, "inoutstatus", 255);
  auto verify = numberOrZero(*fields, "verifytype", 255);
  for (const auto* number : {&event, &door, &in_out, &verify}) {
    if (!*number) {
      return number->error();
    }
  }
  entry.event = *event;
  entry.door = *door;
  entry.in_out = *in_out;
  entry.verify = *verify;
  entry.pin = std::string(detail::trimSpaces(fields->find("pin").value_or("")));
  if (!entry.pin.empty()) {
    if (auto problem = detail::checkUploadedPin(entry.pin)) {
      return lineError(*problem);
    }
  }
  entry.card = std::string(detail::trimSpaces(fields->find("cardno").value_or("")));
  entry.index = std::string(detail::trimSpaces(fields->find("index").value_or("")));
  entry.mask = parseMask(fields->find("maskflag").value_or(""));
  entry.temperature = parseTemperature(fields->find("temperature").value_or(""));
  return entry;
}

Result<std::string> stateField(const KeyValues& fields, std::string_view key) {
  const std::string_view text = detail::trimSpaces(fields.find(key).value_or(""));
  if (text.size() % 2 != 0 || text.size() > kMaxStateHexLength || !isHex(text)) {
    return lineError(std::string(key) + " " + quote(text) + " is not hex bytes (at most " +
                     std::to_string(kMaxStateHexLength / 2) + ")");
  }
  return std::string(text);
}

Result<RtStateEntry> parseRtStateLine(std::string_view line) {
  auto fields = realtimeFields(line);
  if (!fields) {
    return fields.error();
  }
  RtStateEntry entry;
  auto time = requireTime(*fields);
  if (!time) {
    return time.error();
  }
  entry.time = *time;
  auto sensor = stateField(*fields, "sensor");
  auto relay = stateField(*fields, "relay");
  auto alarm = stateField(*fields, "alarm");
  for (const auto* field : {&sensor, &relay, &alarm}) {
    if (!*field) {
      return field->error();
    }
  }
  entry.sensor = std::move(*sensor);
  entry.relay = std::move(*relay);
  entry.alarm = std::move(*alarm);
  return entry;
}

// Byte `index` of a hex field: 0 past its end, nullopt when the field is not hex.
std::optional<std::uint8_t> hexByte(std::string_view field, std::size_t index) noexcept {
  if (field.size() % 2 != 0 || !isHex(field)) {
    return std::nullopt;
  }
  if (2 * index + 2 > field.size()) {
    return std::uint8_t{0};
  }
  unsigned value = 0;
  std::from_chars(field.data() + 2 * index, field.data() + 2 * index + 2, value, 16);
  return static_cast<std::uint8_t>(value);
}

std::string toHex(const std::vector<std::uint8_t>& bytes) {
  static constexpr std::string_view kDigits = "0123456789ABCDEF";
  std::string out;
  for (const std::uint8_t byte : bytes) {
    out += kDigits[byte >> 4U];
    out += kDigits[byte & 0x0FU];
  }
  return out;
}

}  // namespace

// Parses every non-blank line of an upload body with `parse_line`; good lines go to `items`,
// bad ones become line errors without stopping the rest.
template <typename Batch, typename Item, typename ParseLine>
Batch parseLines(std::string_view body, std::vector<Item> Batch::*items, ParseLine parse_line) {
  Batch batch;
  detail::ErrorSink errors(batch.errors, batch.errors_omitted);
  detail::LineReader reader(stripBom(body));
  std::string_view line;
  std::size_t number = 0;
  while (reader.next(line, number)) {
    if (isBlank(line)) {
      continue;
    }
    auto parsed = parse_line(line);
    if (parsed) {
      (batch.*items).push_back(std::move(*parsed));
    } else {
      errors.add(number, parsed.error().toString());
    }
  }
  return batch;
}

AttlogBatch parseAttlog(std::string_view body) {
  return parseLines(body, &AttlogBatch::records, parseAttlogLine);
}

std::string encodeAttlog(std::span<const AttendanceRecord> records) {
  std::string out;
  for (const auto& record : records) {
    out += record.pin;
    out += '\t';
    out += formatLocalTime(record.time);
    out += '\t' + std::to_string(record.status) + '\t' + std::to_string(record.verify) + '\t';
    out += record.workcode;
    for (const auto& column : record.extra) {
      out += '\t';
      out += column;
    }
    out += '\n';
  }
  return out;
}

OperlogBatch parseOperlog(std::string_view body) {
  return parseLines(body, &OperlogBatch::entries, parseOperlogLine);
}

std::string encodeOpLog(std::span<const OpLogEntry> entries) {
  std::string out;
  for (const auto& entry : entries) {
    out += "OPLOG " + std::to_string(entry.op) + '\t' + entry.admin + '\t' +
           formatLocalTime(entry.time);
    for (const auto& object : entry.objects) {
      out += '\t';
      out += object;
    }
    out += '\n';
  }
  return out;
}

AttlogBiometrics attlogBiometrics(const AttendanceRecord& record) {
  // extra[0] is column 6: MaskFlag (column 8) is extra[2], Temperature (column 9) extra[3].
  AttlogBiometrics out;
  if (record.extra.size() > 2) {
    out.mask = parseMask(record.extra[2]);
  }
  if (record.extra.size() > 3) {
    out.temperature = parseTemperature(record.extra[3]);
  }
  return out;
}

void setAttlogBiometrics(AttendanceRecord& record, const AttlogBiometrics& biometrics) {
  if (!biometrics.mask && !biometrics.temperature) {
    return;
  }
  while (record.extra.size() < 2) {
    record.extra.emplace_back("0");
  }
  if (record.extra.size() < 4) {
    record.extra.resize(4);
  }
  record.extra[2] = formatMask(biometrics.mask);
  record.extra[3] = formatTemperature(biometrics.temperature);
}

UploadTable classifyTable(std::string_view table) noexcept {
  constexpr std::array<std::pair<std::string_view, UploadTable>, 6> kTables = {{
      {"ATTLOG", UploadTable::Attlog},
      {"OPERLOG", UploadTable::Operlog},
      {"BIODATA", UploadTable::BioData},
      {"options", UploadTable::Options},
      {"rtlog", UploadTable::RtLog},
      {"rtstate", UploadTable::RtState},
  }};
  for (const auto& [name, kind] : kTables) {
    if (detail::iequals(table, name)) {
      return kind;
    }
  }
  return UploadTable::Other;
}

std::string_view uploadTableName(UploadTable table) noexcept {
  switch (table) {
    case UploadTable::Attlog:
      return "ATTLOG";
    case UploadTable::Operlog:
      return "OPERLOG";
    case UploadTable::BioData:
      return "BIODATA";
    case UploadTable::Options:
      return "options";
    case UploadTable::RtLog:
      return "rtlog";
    case UploadTable::RtState:
      return "rtstate";
    case UploadTable::Other:
      break;
  }
  return "other";
}

RtLogBatch parseRtLog(std::string_view body) {
  return parseLines(body, &RtLogBatch::entries, parseRtLogLine);
}

std::string encodeRtLog(std::span<const RtLogEntry> entries) {
  std::string out;
  for (const auto& entry : entries) {
    out += "time=" + formatLocalTime(entry.time) + "\tpin=" + entry.pin + "\tcardno=" + entry.card +
           "\tsitecode=\tlinkid=\teventaddr=" + std::to_string(entry.door) +
           "\tevent=" + std::to_string(entry.event) +
           "\tinoutstatus=" + std::to_string(entry.in_out) +
           "\tverifytype=" + std::to_string(entry.verify) + "\tindex=" + entry.index +
           "\tmaskflag=" + formatMask(entry.mask) +
           "\ttemperature=" + formatTemperature(entry.temperature) + "\tconvtemperature=\n";
  }
  return out;
}

std::optional<DoorState> doorState(const RtStateEntry& entry, int door) {
  if (door < 1) {
    return std::nullopt;
  }
  const auto index = static_cast<std::size_t>(door - 1);
  if (entry.sensor.size() < (index / 4 + 1) * 2 && entry.relay.size() < (index / 8 + 1) * 2 &&
      entry.alarm.size() < (index + 1) * 2) {
    return std::nullopt;
  }
  const auto sensor = hexByte(entry.sensor, index / 4);
  const auto relay = hexByte(entry.relay, index / 8);
  const auto alarm = hexByte(entry.alarm, index);
  if (!sensor || !relay || !alarm) {
    return std::nullopt;
  }
  DoorState state;
  const auto sensor_bits = static_cast<unsigned>(*sensor);
  const auto relay_bits = static_cast<unsigned>(*relay);
  state.sensor = static_cast<DoorSensor>((sensor_bits >> (2U * (index % 4))) & 0x03U);
  state.relay_open = ((relay_bits >> (index % 8)) & 0x01U) != 0;
  state.alarm = *alarm;
  return state;
}

RtStateEntry makeRtState(LocalSeconds time, std::span<const DoorState> doors) {
  std::vector<std::uint8_t> sensor(std::max<std::size_t>(2, (doors.size() + 3) / 4), 0);
  std::vector<std::uint8_t> relay(std::max<std::size_t>(1, (doors.size() + 7) / 8), 0);
  std::vector<std::uint8_t> alarm(std::max<std::size_t>(8, doors.size()), 0);
  for (std::size_t i = 0; i < doors.size(); ++i) {
    sensor[i / 4] = static_cast<std::uint8_t>(
        sensor[i / 4] | ((static_cast<unsigned>(doors[i].sensor) & 0x03U) << (2U * (i % 4))));
    if (doors[i].relay_open) {
      relay[i / 8] = static_cast<std::uint8_t>(relay[i / 8] | (1U << (i % 8)));
    }
    alarm[i] = doors[i].alarm;
  }
  return {time, toHex(sensor), toHex(relay), toHex(alarm)};
}

RtStateBatch parseRtState(std::string_view body) {
  return parseLines(body, &RtStateBatch::entries, parseRtStateLine);
}

std::string encodeRtState(std::span<const RtStateEntry> entries) {
  std::string out;
  for (const auto& entry : entries) {
    out += "time=" + formatLocalTime(entry.time) + "\tsensor=" + entry.sensor +
           "\trelay=" + entry.relay + "\talarm=" + entry.alarm + "\n";
  }
  return out;
}

}  // namespace punchlink::adms
