// The option block answering GET /iclock/cdata?options=all (§2) and the upload acknowledgement.
#include "adms_text.hpp"

#include <punchlink/common/adms/adms_codec.hpp>

#include <array>

namespace punchlink::adms {

namespace {

using detail::invalid;
using detail::quote;

constexpr std::array<std::string_view, 18> kBuiltInKeys = {
    "ATTLOGStamp",   "OPERLOGStamp", "ATTPHOTOStamp",  "BIODATAStamp", "Stamp",
    "OpStamp",       "PhotoStamp",   "ErrorDelay",     "Delay",        "TransTimes",
    "TransInterval", "TransFlag",    "TimeZone",       "Realtime",     "Encrypt",
    "ServerVer",     "PushProtVer",  "PushOptionsFlag"};

// Stamps go back to the device verbatim; they are "None", digits or YYYY-MM-DDThh:mm:ss.
std::optional<Error> checkStamp(std::string_view key, std::string_view value) {
  bool ok = !value.empty() && value.size() <= 64;
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    ok = ok && byte > 0x20 && byte < 0x7F;
  }
  if (!ok) {
    return invalid(std::string(key) + " " + quote(value) +
                       " must be 1..64 printable characters without spaces",
                   "use the Stamp the device sent with its last accepted upload, or None");
  }
  return std::nullopt;
}

std::optional<Error> checkRange(std::string_view key, int value, int min, int max) {
  if (value < min || value > max) {
    return invalid(std::string(key) + " " + std::to_string(value) + " is outside " +
                   std::to_string(min) + ".." + std::to_string(max));
  }
  return std::nullopt;
}

std::optional<Error> checkTransTimes(const std::vector<std::string>& times) {
  // S1: at most 10 HH:MM entries.
  if (times.size() > 10) {
    return invalid("TransTimes has " + std::to_string(times.size()) + " entries, more than 10");
  }
  for (const auto& time : times) {
    const bool shape = time.size() == 5 && time[2] == ':';
    const auto hours =
        shape ? detail::parseInteger(std::string_view(time).substr(0, 2), false) : std::nullopt;
    const auto minutes =
        shape ? detail::parseInteger(std::string_view(time).substr(3), false) : std::nullopt;
    if (!hours || !minutes || *hours > 23 || *minutes > 59) {
      return invalid("TransTimes entry " + quote(time) + " is not a time of day",
                     "expected HH:MM, e.g. 00:00");
    }
  }
  return std::nullopt;
}

std::optional<Error> checkTransFlag(const std::vector<std::string>& tags) {
  if (tags.empty()) {
    return invalid("TransFlag has no tags", "AttLog is needed for punches, OpLog for users (§2)");
  }
  for (const auto& tag : tags) {
    bool ok = !tag.empty() && tag.size() <= 32;
    for (char c : tag) {
      ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
    }
    if (!ok) {
      return invalid("TransFlag tag " + quote(tag) + " is not a word of letters and digits",
                     "tags are AttLog, OpLog, AttPhoto, EnrollUser, ChgUser, EnrollFP, ChgFP, "
                     "FPImag, FACE, UserPic, WORKCODE, BioPhoto");
    }
  }
  return std::nullopt;
}

// PushProtVer >= 2.4.0 lets the device start the /iclock/exchange key exchange (§2.2).
std::optional<Error> checkPushProtocolVersion(std::string_view version) {
  const auto parts = detail::split(version, '.');
  std::array<std::int64_t, 3> numbers{};
  bool ok = parts.size() == 3;
  for (std::size_t i = 0; ok && i < 3; ++i) {
    const auto number = detail::parseInteger(parts[i], false);
    ok = number.has_value() && *number < 1000;
    numbers[i] = number.value_or(0);
  }
  if (!ok) {
    return invalid("PushProtVer " + quote(version) + " is not a version",
                   "expected three numbers, e.g. 2.2.14");
  }
  if (numbers[0] > 2 || (numbers[0] == 2 && numbers[1] >= 4)) {
    return invalid("PushProtVer " + quote(version) +
                       " would let the device negotiate encryption, which punchlink does not "
                       "implement",
                   "use 2.2.14 (or any version below 2.4.0)");
  }
  return std::nullopt;
}

std::optional<Error> checkText(std::string_view key, std::string_view value, bool allow_tab) {
  if (const auto pos = detail::findControl(value, allow_tab)) {
    return invalid(std::string(key) + " value " + detail::describeControl(value, *pos));
  }
  if (value.size() > kMaxCommandFieldLength) {
    return invalid(std::string(key) + " value is " + std::to_string(value.size()) +
                   " bytes, more than " + std::to_string(kMaxCommandFieldLength));
  }
  return std::nullopt;
}

std::optional<Error> checkExtra(const std::vector<Field>& extra) {
  for (const auto& field : extra) {
    bool ok = !field.key.empty() && field.key.size() <= 64;
    for (char c : field.key) {
      ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '~');
    }
    if (!ok) {
      return invalid("extra option key " + quote(field.key) + " is not [A-Za-z0-9_~]+");
    }
    for (std::string_view built_in : kBuiltInKeys) {
      if (detail::iequals(field.key, built_in)) {
        return invalid("extra option " + field.key + " repeats a built-in option",
                       "set it through HandshakeOptions");
      }
    }
    // TAB is allowed: TAB-separated lists are normal option values (TransFlag).
    if (auto error = checkText(field.key, field.value, true)) {
      return error;
    }
  }
  return std::nullopt;
}

std::string formatTimeZone(std::chrono::minutes offset, TimeZoneUnit unit) {
  const auto minutes = offset.count();
  // §6 / §8.1: firmware reads |x| < 12 as hours and anything else as minutes.
  if (unit == TimeZoneUnit::HoursWhenWhole && minutes % 60 == 0 && minutes / 60 < 12 &&
      minutes / 60 > -12) {
    return std::to_string(minutes / 60);
  }
  return std::to_string(minutes);
}

void appendLine(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += '=';
  out += value;
  out += '\n';
}

}  // namespace

Result<std::string> buildHandshakeReply(std::string_view serial, const HandshakeOptions& options) {
  if (!isValidSerial(serial)) {
    return invalid(
        "serial " + quote(serial) + " is not valid",
        "expected 1.." + std::to_string(kMaxSerialLength) + " letters, digits, '-' or '_'");
  }
  std::optional<Error> error;
  const std::array<std::pair<std::string_view, const std::string*>, 3> stamps = {{
      {"ATTLOGStamp", &options.attlog_stamp},
      {"OPERLOGStamp", &options.operlog_stamp},
      {"ATTPHOTOStamp", &options.attphoto_stamp},
  }};
  for (const auto& [key, value] : stamps) {
    if (!error) {
      error = checkStamp(key, *value);
    }
  }
  if (!error && !options.biodata_stamp.empty()) {
    error = checkStamp("BIODATAStamp", options.biodata_stamp);
  }
  if (!error) {
    error = checkRange("ErrorDelay", options.error_delay, 1, 3600);
  }
  if (!error) {
    error = checkRange("Delay", options.delay, 1, 3600);
  }
  if (!error) {
    error = checkRange("TransInterval", options.trans_interval, 0, 1440);
  }
  if (!error) {
    error = checkTransTimes(options.trans_times);
  }
  if (!error) {
    error = checkTransFlag(options.trans_flag);
  }
  if (!error && (options.time_zone.count() < -12 * 60 || options.time_zone.count() > 14 * 60)) {
    error = invalid("TimeZone offset " + std::to_string(options.time_zone.count()) +
                    " minutes is outside UTC-12:00..UTC+14:00");
  }
  if (!error) {
    error = checkText("ServerVer", options.server_version, false);
  }
  if (!error && !options.push_protocol_version.empty()) {
    error = checkPushProtocolVersion(options.push_protocol_version);
  }
  if (!error) {
    error = checkExtra(options.extra);
  }
  if (error) {
    return *error;
  }

  // S2 writes "GET OPTION FROM: <SN>", S5 no space; devices accept both (§2).
  std::string out = "GET OPTION FROM: " + std::string(serial) + "\n";
  appendLine(out, "ATTLOGStamp", options.attlog_stamp);
  appendLine(out, "OPERLOGStamp", options.operlog_stamp);
  appendLine(out, "ATTPHOTOStamp", options.attphoto_stamp);
  if (!options.biodata_stamp.empty()) {
    appendLine(out, "BIODATAStamp", options.biodata_stamp);
  }
  if (options.legacy_stamps) {
    appendLine(out, "Stamp", options.attlog_stamp);
    appendLine(out, "OpStamp", options.operlog_stamp);
    appendLine(out, "PhotoStamp", options.attphoto_stamp);
  }
  appendLine(out, "ErrorDelay", std::to_string(options.error_delay));
  appendLine(out, "Delay", std::to_string(options.delay));
  std::string times;
  for (const auto& time : options.trans_times) {
    times += (times.empty() ? "" : ";") + time;
  }
  appendLine(out, "TransTimes", times);
  appendLine(out, "TransInterval", std::to_string(options.trans_interval));
  // The S2 form: "TransData " then TAB-separated tags (§2).
  std::string flags = "TransData ";
  for (std::size_t i = 0; i < options.trans_flag.size(); ++i) {
    flags += (i == 0 ? "" : "\t") + options.trans_flag[i];
  }
  appendLine(out, "TransFlag", flags);
  appendLine(out, "TimeZone", formatTimeZone(options.time_zone, options.time_zone_unit));
  appendLine(out, "Realtime", options.realtime ? "1" : "0");
  // Encryption needs a vendor library nobody has (§2.2): always plain.
  appendLine(out, "Encrypt", "None");
  if (!options.server_version.empty()) {
    appendLine(out, "ServerVer", options.server_version);
  }
  if (!options.push_protocol_version.empty()) {
    appendLine(out, "PushProtVer", options.push_protocol_version);
  }
  if (options.push_options) {
    appendLine(out, "PushOptionsFlag", "1");
  }
  for (const auto& field : options.extra) {
    appendLine(out, field.key, field.value);
  }
  return out;
}

std::string uploadReply(std::size_t accepted) { return "OK:" + std::to_string(accepted); }

}  // namespace punchlink::adms
