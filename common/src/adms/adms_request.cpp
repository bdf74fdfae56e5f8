// Request side of the ADMS codec: paths, query strings and the INFO value of getrequest.
#include "adms_text.hpp"

#include <punchlink/common/adms/adms_codec.hpp>
#include <punchlink/common/crypto.hpp>

#include <array>
#include <limits>

namespace punchlink::adms {

namespace {

using detail::iequals;
using detail::quote;

bool iendsWith(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && iequals(text.substr(text.size() - suffix.size()), suffix);
}

struct EndpointName {
  std::string_view name;
  Endpoint endpoint;
};

constexpr std::array<EndpointName, 11> kEndpoints = {{
    {"cdata", Endpoint::Cdata},
    {"getrequest", Endpoint::GetRequest},
    {"devicecmd", Endpoint::DeviceCmd},
    {"ping", Endpoint::Ping},
    {"registry", Endpoint::Registry},
    {"push", Endpoint::Push},
    {"querydata", Endpoint::QueryData},
    {"exchange", Endpoint::Exchange},
    {"file", Endpoint::File},
    {"rtdata", Endpoint::RtData},
    {"fdata", Endpoint::Fdata},
}};

Error badInfoCount(std::size_t index, std::string_view name, std::string_view value) {
  return makeError(ErrorCode::InvalidInput,
                   "INFO field " + std::to_string(index + 1) + " (" + std::string(name) + ") " +
                       quote(value) + " is not a count",
                   "expected firmware,users,fingerprints,records,ip,… with whole numbers");
}

}  // namespace

Endpoint classifyPath(std::string_view path) noexcept {
  if (const std::size_t query = path.find('?'); query != std::string_view::npos) {
    path = path.substr(0, query);
  }
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  constexpr std::string_view kPrefix = "/iclock/";
  if (path.size() <= kPrefix.size() || !iequals(path.substr(0, kPrefix.size()), kPrefix)) {
    return Endpoint::Unknown;
  }
  std::string_view name = path.substr(kPrefix.size());
  // Community servers also answer /iclock/cdata.aspx and .php (§1); some firmware uses them.
  for (std::string_view suffix : {std::string_view(".aspx"), std::string_view(".php")}) {
    if (iendsWith(name, suffix)) {
      name.remove_suffix(suffix.size());
      break;
    }
  }
  for (const auto& entry : kEndpoints) {
    if (iequals(name, entry.name)) {
      return entry.endpoint;
    }
  }
  return Endpoint::Unknown;
}

std::string_view endpointName(Endpoint endpoint) noexcept {
  for (const auto& entry : kEndpoints) {
    if (entry.endpoint == endpoint) {
      return entry.name;
    }
  }
  return "unknown";
}

Result<std::string> percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 1 < text.size() ? crypto::hexDigitValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? crypto::hexDigitValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return makeError(
          ErrorCode::InvalidInput,
          "bad percent escape " + quote(text.substr(i, 3)) + " at column " + std::to_string(i + 1),
          "'%' must be followed by two hex digits");
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

Result<std::vector<Field>> parseQueryString(std::string_view query) {
  if (query.size() > kMaxQueryLength) {
    return makeError(ErrorCode::InvalidInput, "query string is " + std::to_string(query.size()) +
                                                  " bytes, more than " +
                                                  std::to_string(kMaxQueryLength));
  }
  if (!query.empty() && query.front() == '?') {
    query.remove_prefix(1);
  }
  std::vector<Field> params;
  std::size_t index = 0;
  for (std::string_view piece : detail::split(query, '&')) {
    ++index;
    if (piece.empty()) {
      continue;
    }
    const std::size_t eq = piece.find('=');
    const std::string_view raw_name = piece.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
    auto name = percentDecode(raw_name);
    auto value = name ? percentDecode(raw_value) : Result<std::string>(std::string{});
    const Error* error = !name ? &name.error() : (!value ? &value.error() : nullptr);
    if (error != nullptr) {
      return makeError(ErrorCode::InvalidInput,
                       "query parameter " + std::to_string(index) + " " + quote(raw_name) + ": " +
                           error->message,
                       error->hint);
    }
    for (const std::string* text : {&*name, &*value}) {
      if (const auto pos = detail::findControl(*text, false)) {
        return makeError(
            ErrorCode::InvalidInput,
            "query parameter " + quote(*name) + " " + detail::describeControl(*text, *pos),
            "names and values must be printable once percent-decoded");
      }
    }
    params.push_back(Field{std::move(*name), std::move(*value)});
  }
  return params;
}

const std::string* IclockQuery::find(std::string_view name) const noexcept {
  for (const auto& param : params) {
    if (iequals(param.key, name)) {
      return &param.value;
    }
  }
  return nullptr;
}

Result<IclockQuery> parseIclockQuery(std::string_view query) {
  auto params = parseQueryString(query);
  if (!params) {
    return params.error();
  }
  IclockQuery out;
  std::string push_options_flag;
  std::string count;
  std::string pack_count;
  std::string pack_index;

  struct Known {
    std::string_view name;
    std::string* target;
  };

  const std::array<Known, 18> known = {{
      {"SN", &out.serial},
      {"table", &out.table},
      {"Stamp", &out.stamp},
      {"OpStamp", &out.op_stamp},
      {"PhotoStamp", &out.photo_stamp},
      {"options", &out.options},
      {"pushver", &out.push_version},
      {"language", &out.language},
      {"DeviceType", &out.device_type},
      {"PushOptionsFlag", &push_options_flag},
      {"type", &out.type},
      {"INFO", &out.info},
      {"tablename", &out.table_name},
      {"CmdId", &out.cmd_id},
      {"Count", &count},
      {"PackCnt", &pack_count},
      {"PackIdx", &pack_index},
      {"ComKey", &out.comm_key},
  }};
  std::array<bool, known.size()> seen{};
  for (const auto& param : *params) {
    for (std::size_t k = 0; k < known.size(); ++k) {
      if (!iequals(param.key, known[k].name)) {
        continue;
      }
      if (seen[k] && *known[k].target != param.value) {
        return makeError(ErrorCode::InvalidInput, "query parameter " + std::string(known[k].name) +
                                                      " given twice with different values " +
                                                      quote(*known[k].target) + " and " +
                                                      quote(param.value));
      }
      seen[k] = true;
      *known[k].target = param.value;
    }
  }
  if (!seen[0]) {
    return makeError(ErrorCode::InvalidInput, "query has no SN parameter",
                     "every iclock request carries SN=<serial>");
  }
  if (!isValidSerial(out.serial)) {
    return makeError(
        ErrorCode::InvalidInput, "SN " + quote(out.serial) + " is not a serial",
        "expected 1.." + std::to_string(kMaxSerialLength) + " letters, digits, '-' or '_'");
  }
  out.push_options_flag = push_options_flag == "1";

  struct Number {
    std::string_view name;
    const std::string* text;
    std::optional<std::uint32_t>* target;
  };

  const std::array<Number, 3> numbers = {{{"Count", &count, &out.count},
                                          {"PackCnt", &pack_count, &out.pack_count},
                                          {"PackIdx", &pack_index, &out.pack_index}}};
  for (const auto& number : numbers) {
    if (number.text->empty()) {
      continue;
    }
    const auto value = detail::parseInteger(*number.text, false);
    if (!value || *value > std::numeric_limits<std::uint32_t>::max()) {
      return makeError(ErrorCode::InvalidInput, "query parameter " + std::string(number.name) +
                                                    " " + quote(*number.text) + " is not a count");
    }
    *number.target = static_cast<std::uint32_t>(*value);
  }
  out.params = std::move(*params);
  return out;
}

Result<DeviceInfo> parseDeviceInfo(std::string_view info) {
  if (info.size() > kMaxQueryLength) {
    return makeError(ErrorCode::InvalidInput, "INFO is " + std::to_string(info.size()) +
                                                  " bytes, more than " +
                                                  std::to_string(kMaxQueryLength));
  }
  if (const auto pos = detail::findControl(info, false)) {
    return makeError(ErrorCode::InvalidInput, "INFO " + detail::describeControl(info, *pos));
  }
  const auto fields = detail::split(info, ',');
  if (fields.size() < 4) {
    return makeError(
        ErrorCode::InvalidInput,
        "INFO " + quote(info) + " has " + std::to_string(fields.size()) + " fields, fewer than 4",
        "expected firmware,users,fingerprints,records[,ip,…] (§4.1)");
  }
  auto text = [&](std::size_t index) {
    return index < fields.size() ? std::string(detail::trimSpaces(fields[index])) : std::string{};
  };
  DeviceInfo out;
  out.firmware = text(0);
  out.ip = text(4);
  out.fingerprint_algorithm = text(5);
  out.face_algorithm = text(6);
  out.features = text(9);
  const std::array<std::pair<std::size_t, std::optional<std::uint32_t>*>, 8> counts = {{
      {1, &out.users},
      {2, &out.fingerprints},
      {3, &out.attendance_records},
      {7, &out.faces_per_enrolment},
      {8, &out.faces},
      {10, &out.cards},
      {11, &out.user_photos},
      {12, &out.attendance_photos},
  }};
  constexpr std::array<std::string_view, 13> kNames = {
      "firmware",     "users",          "fingerprints",        "records", "ip",
      "FP algorithm", "face algorithm", "faces per enrolment", "faces",   "features",
      "cards",        "user photos",    "attendance photos"};
  for (const auto& [index, slot] : counts) {
    const std::string value = text(index);
    if (value.empty()) {
      continue;
    }
    const auto number = detail::parseInteger(value, false);
    if (!number || *number > std::numeric_limits<std::uint32_t>::max()) {
      return badInfoCount(index, kNames[index], value);
    }
    *slot = static_cast<std::uint32_t>(*number);
  }
  return out;
}

}  // namespace punchlink::adms
