// The command channel (§4.2, §4.3): "C:<id>:<desc>" lines for the getrequest reply, and their
// device-side parser for the emulator. Values are checked rather than cleaned: a TAB or newline
// in a value would split the command and the device would act on the pieces (§8.6).
#include "adms_text.hpp"

#include <punchlink/common/adms/adms_codec.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

namespace punchlink::adms {

namespace {

using detail::invalid;
using detail::isHex;
using detail::quote;

std::optional<Error> checkCommandId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= kMaxCommandIdLength;
  for (char c : id) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  }
  if (!ok) {
    return invalid("command id " + quote(id) + " must be 1.." +
                   std::to_string(kMaxCommandIdLength) + " letters and digits (§4.2)");
  }
  return std::nullopt;
}

// PINs we send: printable ASCII without spaces, because a SPACE is not a field separator to the
// device and would become part of the PIN (§8.6).
std::optional<Error> checkPin(std::string_view pin) {
  if (pin.empty() || pin.size() > kMaxPinLength) {
    return invalid("PIN " + quote(pin) + " must be 1.." + std::to_string(kMaxPinLength) +
                   " bytes, got " + std::to_string(pin.size()));
  }
  for (std::size_t i = 0; i < pin.size(); ++i) {
    const auto byte = static_cast<unsigned char>(pin[i]);
    if (byte <= 0x20 || byte >= 0x7F) {
      return invalid("PIN " + quote(pin) + " has a space, control or non-ASCII byte at column " +
                     std::to_string(i + 1));
    }
  }
  return std::nullopt;
}

std::optional<Error> checkValue(std::string_view key, std::string_view value, std::size_t limit) {
  if (value.size() > limit) {
    return invalid(std::string(key) + " is " + std::to_string(value.size()) + " bytes, more than " +
                   std::to_string(limit));
  }
  if (const auto pos = detail::findControl(value, false)) {
    return invalid(
        std::string(key) + " " + quote(value) + " " + detail::describeControl(value, *pos),
        "TAB, CR and LF would split the command");
  }
  return std::nullopt;
}

std::optional<Error> checkNumber(std::string_view key, int value, int min, int max) {
  if (value < min || value > max) {
    return invalid(std::string(key) + " " + std::to_string(value) + " is outside " +
                   std::to_string(min) + ".." + std::to_string(max));
  }
  return std::nullopt;
}

// Card numbers: decimal, or S1's "[%02X x4]" form (§4.3).
std::optional<Error> checkCard(std::string_view card) {
  const bool decimal =
      !card.empty() && card.size() <= 20 &&
      std::all_of(card.begin(), card.end(), [](char c) { return c >= '0' && c <= '9'; });
  const bool bracketed =
      card.size() == 10 && card.front() == '[' && card.back() == ']' && isHex(card.substr(1, 8));
  if (!card.empty() && !decimal && !bracketed) {
    return invalid("Card " + quote(card) + " is neither decimal nor [XXXXXXXX] hex",
                   "use formatCardHex() for the bracketed form");
  }
  return std::nullopt;
}

std::optional<Error> checkOptionKey(std::string_view key) {
  bool ok = !key.empty() && key.size() <= 64;
  for (char c : key) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '~');
  }
  if (!ok) {
    return invalid("option key " + quote(key) + " is not [A-Za-z0-9_~]+");
  }
  return std::nullopt;
}

std::string hexByte(int value) {
  char text[4];
  std::snprintf(text, sizeof text, "%02X", static_cast<unsigned>(value & 0xFF));
  return text;
}

// Each overload validates and renders one command description (the part after "C:<id>:").
struct Encoder {
  Result<std::string> operator()(const UpdateUser& user) const {
    if (auto error = checkPin(user.pin)) {
      return *error;
    }
    std::string out = "DATA UPDATE USERINFO PIN=" + user.pin;
    if (user.name) {
      if (auto error = checkValue("Name", *user.name, kMaxCommandFieldLength)) {
        return *error;
      }
      out += "\tName=" + *user.name;
    }
    if (user.privilege) {
      if (auto error = checkNumber("Pri", *user.privilege, 0, 255)) {
        return *error;
      }
      out += "\tPri=" + std::to_string(*user.privilege);
    }
    if (user.password) {
      if (auto error = checkValue("Passwd", *user.password, kMaxCommandFieldLength)) {
        return *error;
      }
      out += "\tPasswd=" + *user.password;
    }
    if (user.card) {
      if (auto error = checkCard(*user.card)) {
        return *error;
      }
      out += "\tCard=" + *user.card;
    }
    if (user.group) {
      if (auto error = checkNumber("Grp", *user.group, 0, 255)) {
        return *error;
      }
      out += "\tGrp=" + std::to_string(*user.group);
    }
    if (user.time_zone) {
      // Four groups of four hex digits: group flag + personal time zones 1-3 (§4.3).
      if (user.time_zone->size() != 16 || !isHex(*user.time_zone)) {
        return invalid("TZ " + quote(*user.time_zone) + " is not 16 hex digits",
                       "e.g. 0000000100000000");
      }
      out += "\tTZ=" + *user.time_zone;
    }
    if (user.verify) {
      if (auto error = checkNumber("Verify", *user.verify, -1, 255)) {
        return *error;
      }
      out += "\tVerify=" + std::to_string(*user.verify);
    }
    return out;
  }

  Result<std::string> operator()(const DeleteUser& user) const {
    if (auto error = checkPin(user.pin)) {
      return *error;
    }
    return "DATA DELETE USERINFO PIN=" + user.pin;
  }

  Result<std::string> operator()(const UpdateFingerprint& finger) const {
    if (auto error = checkPin(finger.pin)) {
      return *error;
    }
    if (auto error = checkNumber("FID", finger.fid, 0, 9)) {
      return *error;
    }
    if (finger.valid != 0 && finger.valid != 1 && finger.valid != 3) {
      return invalid("Valid " + std::to_string(finger.valid) + " is not 0, 1 or 3",
                     "0 invalid, 1 normal, 3 duress");
    }
    if (finger.tmp.size() > kMaxTemplateLength) {
      return invalid("TMP is " + std::to_string(finger.tmp.size()) + " bytes, more than " +
                     std::to_string(kMaxTemplateLength));
    }
    if (!detail::looksLikeBase64(finger.tmp)) {
      return invalid("TMP " + quote(finger.tmp) + " is not base64");
    }
    // Size is the length of the base64 text, not of the decoded template (§3.2, §4.3).
    return "DATA UPDATE FINGERTMP PIN=" + finger.pin + "\tFID=" + std::to_string(finger.fid) +
           "\tSize=" + std::to_string(finger.tmp.size()) +
           "\tValid=" + std::to_string(finger.valid) + "\tTMP=" + finger.tmp;
  }

  Result<std::string> operator()(const DeleteFingerprint& finger) const {
    if (auto error = checkPin(finger.pin)) {
      return *error;
    }
    std::string out = "DATA DELETE FINGERTMP PIN=" + finger.pin;
    if (finger.fid) {
      if (auto error = checkNumber("FID", *finger.fid, 0, 9)) {
        return *error;
      }
      out += "\tFID=" + std::to_string(*finger.fid);
    }
    return out;
  }

  Result<std::string> operator()(const QueryAttlog& query) const {
    if (query.end < query.start) {
      return invalid("DATA QUERY ATTLOG ends (" + formatLocalTime(query.end) +
                     ") before it starts (" + formatLocalTime(query.start) + ")");
    }
    // S2's "YYYY-MM-DD HH:MM:SS"; devices also take S1's 'T' form (§4.3).
    return "DATA QUERY ATTLOG StartTime=" + formatLocalTime(query.start) +
           "\tEndTime=" + formatLocalTime(query.end);
  }

  Result<std::string> operator()(const QueryUsers& query) const {
    if (!query.pin) {
      return std::string("DATA QUERY USERINFO");
    }
    if (auto error = checkPin(*query.pin)) {
      return *error;
    }
    return "DATA QUERY USERINFO PIN=" + *query.pin;
  }

  Result<std::string> operator()(const SetOption& option) const {
    if (auto error = checkOptionKey(option.key)) {
      return *error;
    }
    if (auto error = checkValue(option.key, option.value, kMaxCommandFieldLength)) {
      return *error;
    }
    return "SET OPTION " + option.key + "=" + option.value;
  }

  Result<std::string> operator()(const UnlockDoor& unlock) const {
    if (auto error = checkNumber("door", unlock.door, 0, 16)) {
      return *error;
    }
    // DD 00 closes and FF holds the door open; only a timed opening is an unlock (§4.3).
    if (auto error = checkNumber("unlock seconds", unlock.seconds, 1, 254)) {
      return *error;
    }
    return "CONTROL DEVICE 01" + hexByte(unlock.door) + "01" + hexByte(unlock.seconds);
  }

  Result<std::string> operator()(const AcUnlock&) const { return std::string("AC_UNLOCK"); }

  Result<std::string> operator()(const Reboot&) const { return std::string("REBOOT"); }

  Result<std::string> operator()(const CheckData&) const { return std::string("CHECK"); }

  Result<std::string> operator()(const QueryInfo&) const { return std::string("INFO"); }

  Result<std::string> operator()(const ClearLog&) const { return std::string("CLEAR LOG"); }
};

// --- device side ---------------------------------------------------------------------------------

struct Pair {
  std::string_view key;
  std::string_view value;
};

// TAB-separated key=value fields; keys must come from `allowed`, none twice.
Result<std::vector<Pair>> parseFields(std::string_view text,
                                      std::initializer_list<std::string_view> allowed) {
  std::vector<Pair> pairs;
  for (std::string_view piece : detail::split(text, '\t')) {
    const std::size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      return invalid("field " + quote(piece) + " has no '='");
    }
    const Pair pair{piece.substr(0, eq), piece.substr(eq + 1)};
    if (std::find(allowed.begin(), allowed.end(), pair.key) == allowed.end()) {
      return invalid("unexpected field " + quote(pair.key));
    }
    for (const auto& seen : pairs) {
      if (seen.key == pair.key) {
        return invalid("field " + quote(pair.key) + " appears twice");
      }
    }
    pairs.push_back(pair);
  }
  return pairs;
}

std::optional<std::string_view> get(const std::vector<Pair>& pairs, std::string_view key) {
  for (const auto& pair : pairs) {
    if (pair.key == key) {
      return pair.value;
    }
  }
  return std::nullopt;
}

Result<int> getInt(const std::vector<Pair>& pairs, std::string_view key) {
  const auto text = get(pairs, key);
  if (!text) {
    return invalid("missing field " + std::string(key));
  }
  return detail::parseIntField(key, *text, -1, 1000000);
}

Result<Command> parseUpdateUser(std::string_view text) {
  auto pairs = parseFields(text, {"PIN", "Name", "Pri", "Passwd", "Card", "Grp", "TZ", "Verify"});
  if (!pairs) {
    return pairs.error();
  }
  UpdateUser user;
  user.pin = std::string(get(*pairs, "PIN").value_or(""));
  std::array<std::pair<std::string_view, std::optional<std::string>*>, 4> texts = {{
      {"Name", &user.name},
      {"Passwd", &user.password},
      {"Card", &user.card},
      {"TZ", &user.time_zone},
  }};
  for (auto& [key, target] : texts) {
    if (const auto value = get(*pairs, key)) {
      *target = std::string(*value);
    }
  }
  std::array<std::pair<std::string_view, std::optional<int>*>, 3> numbers = {{
      {"Pri", &user.privilege},
      {"Grp", &user.group},
      {"Verify", &user.verify},
  }};
  for (auto& [key, target] : numbers) {
    if (get(*pairs, key)) {
      auto value = getInt(*pairs, key);
      if (!value) {
        return value.error();
      }
      *target = *value;
    }
  }
  return Command{std::move(user)};
}

Result<Command> parseUpdateFingerprint(std::string_view text) {
  auto pairs = parseFields(text, {"PIN", "FID", "Size", "Valid", "TMP"});
  if (!pairs) {
    return pairs.error();
  }
  UpdateFingerprint finger;
  finger.pin = std::string(get(*pairs, "PIN").value_or(""));
  finger.tmp = std::string(get(*pairs, "TMP").value_or(""));
  auto fid = getInt(*pairs, "FID");
  auto valid = getInt(*pairs, "Valid");
  auto size = getInt(*pairs, "Size");
  for (const auto* number : {&fid, &valid, &size}) {
    if (!*number) {
      return number->error();
    }
  }
  if (static_cast<std::size_t>(*size) != finger.tmp.size()) {
    // What firmware answers with Return=-9 (§5).
    return invalid("Size " + std::to_string(*size) + " is not the TMP length " +
                   std::to_string(finger.tmp.size()));
  }
  finger.fid = *fid;
  finger.valid = *valid;
  return Command{std::move(finger)};
}

Result<Command> parseDeleteFingerprint(std::string_view text) {
  auto pairs = parseFields(text, {"PIN", "FID"});
  if (!pairs) {
    return pairs.error();
  }
  DeleteFingerprint finger;
  finger.pin = std::string(get(*pairs, "PIN").value_or(""));
  if (get(*pairs, "FID")) {
    auto fid = getInt(*pairs, "FID");
    if (!fid) {
      return fid.error();
    }
    finger.fid = *fid;
  }
  return Command{std::move(finger)};
}

Result<Command> parseQueryAttlog(std::string_view text) {
  auto pairs = parseFields(text, {"StartTime", "EndTime"});
  if (!pairs) {
    return pairs.error();
  }
  QueryAttlog query;
  const std::array<std::pair<std::string_view, LocalSeconds*>, 2> times = {{
      {"StartTime", &query.start},
      {"EndTime", &query.end},
  }};
  for (const auto& [key, target] : times) {
    const auto value = get(*pairs, key);
    if (!value) {
      return invalid("missing field " + std::string(key));
    }
    auto time = parseLocalTime(*value);
    if (!time) {
      return invalid(std::string(key) + " " + quote(*value) + " is not YYYY-MM-DD HH:MM:SS");
    }
    *target = *time;
  }
  return Command{query};
}

Result<Command> parseUnlock(std::string_view text) {
  if (text.size() != 8 || !isHex(text) || text.substr(0, 2) != "01" || text.substr(4, 2) != "01") {
    return invalid("CONTROL DEVICE " + quote(text) + " is not a door unlock (01 DD 01 SS)");
  }
  auto byte = [&](std::size_t pos) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    return nibble(text[pos]) * 16 + nibble(text[pos + 1]);
  };
  return Command{UnlockDoor{byte(2), byte(6)}};
}

Result<Command> parseDescription(std::string_view desc) {
  struct Prefixed {
    std::string_view prefix;
    Result<Command> (*parse)(std::string_view);
  };

  static constexpr std::array<Prefixed, 5> kPrefixed = {{
      {"DATA UPDATE USERINFO ", &parseUpdateUser},
      {"DATA UPDATE FINGERTMP ", &parseUpdateFingerprint},
      {"DATA DELETE FINGERTMP ", &parseDeleteFingerprint},
      {"DATA QUERY ATTLOG ", &parseQueryAttlog},
      {"CONTROL DEVICE ", &parseUnlock},
  }};
  for (const auto& entry : kPrefixed) {
    if (desc.substr(0, entry.prefix.size()) == entry.prefix) {
      return entry.parse(desc.substr(entry.prefix.size()));
    }
  }
  auto single = [&](std::string_view prefix) -> Result<std::string> {
    auto pairs = parseFields(desc.substr(prefix.size()), {"PIN"});
    if (!pairs) {
      return pairs.error();
    }
    return std::string(get(*pairs, "PIN").value_or(""));
  };
  if (desc.starts_with("DATA DELETE USERINFO ")) {
    auto pin = single("DATA DELETE USERINFO ");
    return pin ? Result<Command>(DeleteUser{*pin}) : Result<Command>(pin.error());
  }
  if (desc == "DATA QUERY USERINFO") {
    return Command{QueryUsers{}};
  }
  if (desc.starts_with("DATA QUERY USERINFO ")) {
    auto pin = single("DATA QUERY USERINFO ");
    return pin ? Result<Command>(QueryUsers{*pin}) : Result<Command>(pin.error());
  }
  if (desc.starts_with("SET OPTION ")) {
    const std::string_view rest = desc.substr(11);
    const std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) {
      return invalid("SET OPTION " + quote(rest) + " has no '='");
    }
    return Command{SetOption{std::string(rest.substr(0, eq)), std::string(rest.substr(eq + 1))}};
  }
  const std::array<std::pair<std::string_view, Command>, 5> bare = {{
      {"AC_UNLOCK", AcUnlock{}},
      {"REBOOT", Reboot{}},
      {"CHECK", CheckData{}},
      {"INFO", QueryInfo{}},
      {"CLEAR LOG", ClearLog{}},
  }};
  for (const auto& [name, command] : bare) {
    if (desc == name) {
      return command;
    }
  }
  // Firmware answers unknown syntax with Return=-1002 (§4.2).
  return invalid("unknown command " + quote(desc));
}

}  // namespace

Result<std::string> encodeCommand(std::string_view id, const Command& command) {
  if (auto error = checkCommandId(id)) {
    return *error;
  }
  auto desc = std::visit(Encoder{}, command);
  if (!desc) {
    return desc.error();
  }
  return "C:" + std::string(id) + ":" + *desc;
}

Result<std::string> buildCommandReply(std::span<const QueuedCommand> commands) {
  if (commands.empty()) {
    return std::string("OK");
  }
  if (commands.size() > kMaxCommandsPerReply) {
    return invalid(std::to_string(commands.size()) + " commands in one reply, more than " +
                       std::to_string(kMaxCommandsPerReply),
                   "send the rest on the next poll");
  }
  std::string out;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto& queued = commands[i];
    for (std::size_t j = 0; j < i; ++j) {
      if (commands[j].id == queued.id) {
        return invalid("command id " + quote(queued.id) + " appears twice in one reply",
                       "results are matched by id");
      }
    }
    if (std::holds_alternative<Reboot>(queued.command) && i + 1 != commands.size()) {
      return invalid("REBOOT (id " + queued.id + ") is not the last command",
                     "the device ignores everything after REBOOT (§4.2)");
    }
    auto line = encodeCommand(queued.id, queued.command);
    if (!line) {
      return invalid("command " + quote(queued.id) + ": " + line.error().message,
                     line.error().hint);
    }
    out += *line;
    out += '\n';
  }
  return out;
}

Result<QueuedCommand> parseCommandLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  const std::size_t colon = line.starts_with("C:") ? line.find(':', 2) : std::string_view::npos;
  if (colon == std::string_view::npos) {
    return invalid("command line " + quote(line) + " does not start with C:<id>:");
  }
  QueuedCommand out;
  out.id = std::string(line.substr(2, colon - 2));
  if (auto error = checkCommandId(out.id)) {
    return *error;
  }
  auto command = parseDescription(line.substr(colon + 1));
  if (!command) {
    return invalid("command " + out.id + ": " + command.error().message, command.error().hint);
  }
  // What the encoder would refuse is refused here too, so parse(encode(c)) == c is the contract.
  if (auto valid = std::visit(Encoder{}, *command); !valid) {
    return invalid("command " + out.id + ": " + valid.error().message, valid.error().hint);
  }
  out.command = std::move(*command);
  return out;
}

std::string formatCardHex(std::uint32_t card) {
  std::string out = "[";
  for (unsigned shift = 0; shift < 32; shift += 8) {
    out += hexByte(static_cast<int>((card >> shift) & 0xFFU));
  }
  return out + "]";
}

}  // namespace punchlink::adms
