// Command results posted to /iclock/devicecmd (§5) and what their Return codes mean.
#include "adms_text.hpp"

#include <punchlink/common/adms/adms_codec.hpp>

namespace punchlink::adms {

namespace {

using detail::iequals;
using detail::quote;

bool istartsWith(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

struct Pending {
  CommandResult result;
  bool has_return = false;
  std::string return_text;
  // Shell/GetFile put one field per line ("ID=\nReturn=\nCMD=\n…"); INFO continues a normal
  // "ID=…&Return=…&CMD=INFO" line with Key=Value lines. Only the first form carries Return,
  // CMD and Content on their own lines.
  bool one_field_per_line = false;
};

class ResultCollector {
 public:
  explicit ResultCollector(CommandResultBatch& batch)
      : batch_(batch), errors_(batch.errors, batch.errors_omitted) {}

  void start(std::size_t line) {
    finish();
    current_.emplace();
    current_->result.line = line;
  }

  Pending* current() noexcept { return current_ ? &*current_ : nullptr; }

  // Known keys are matched case-insensitively: S3 examples write "return=" (§5).
  void set(std::string_view key, std::string_view value) {
    if (iequals(key, "ID")) {
      current_->result.id = std::string(value);
    } else if (iequals(key, "Return")) {
      current_->has_return = true;
      current_->return_text = std::string(value);
    } else if (iequals(key, "CMD")) {
      current_->result.cmd = std::string(value);
    } else {
      current_->result.fields.push_back(Field{std::string(key), std::string(value)});
    }
  }

  void error(std::size_t line, std::string reason) { errors_.add(line, std::move(reason)); }

  void finish() {
    if (!current_) {
      return;
    }
    Pending pending = std::move(*current_);
    current_.reset();
    const std::size_t line = pending.result.line;
    if (pending.result.id.empty()) {
      error(line, "command result has an empty ID");
      return;
    }
    if (const auto pos = detail::findControl(pending.result.id, false)) {
      error(line, "command result ID " + detail::describeControl(pending.result.id, *pos));
      return;
    }
    if (!pending.has_return) {
      error(line, "command result ID=" + quote(pending.result.id) + " has no Return");
      return;
    }
    const auto code = detail::parseInteger(pending.return_text, true);
    if (!code) {
      error(line, "command result ID=" + quote(pending.result.id) + " has Return " +
                      quote(pending.return_text) + ", not an integer");
      return;
    }
    pending.result.return_code = *code;
    batch_.results.push_back(std::move(pending.result));
  }

 private:
  CommandResultBatch& batch_;
  detail::ErrorSink errors_;
  std::optional<Pending> current_;
};

}  // namespace

CommandResultBatch parseCommandResults(std::string_view body) {
  CommandResultBatch batch;
  ResultCollector collector(batch);
  detail::LineReader reader(body);
  std::string_view line;
  std::size_t number = 0;
  while (reader.next(line, number)) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    const std::size_t eq = line.find('=');
    const std::string_view key = line.substr(0, eq);
    Pending* current = collector.current();
    // Content= takes the rest of the body verbatim: shell output and GetFile bytes may contain
    // newlines and anything else (§5).
    if (current != nullptr && current->one_field_per_line && eq != std::string_view::npos &&
        iequals(key, "Content")) {
      const auto offset = static_cast<std::size_t>(line.data() - body.data()) + eq + 1;
      collector.set("Content", body.substr(offset));
      collector.finish();
      return batch;
    }
    if (const auto pos = detail::findControl(line, true)) {
      collector.error(number, "line " + detail::describeControl(line, *pos));
      continue;
    }
    if (istartsWith(line, "ID=")) {
      collector.start(number);
      current = collector.current();
      if (line.find('&') == std::string_view::npos) {
        current->one_field_per_line = true;
        collector.set("ID", line.substr(3));
        continue;
      }
      for (std::string_view piece : detail::split(line, '&')) {
        if (piece.empty()) {
          continue;
        }
        const std::size_t piece_eq = piece.find('=');
        collector.set(piece.substr(0, piece_eq), piece_eq == std::string_view::npos
                                                     ? std::string_view{}
                                                     : piece.substr(piece_eq + 1));
      }
      continue;
    }
    if (current == nullptr) {
      collector.error(number, "line " + quote(line) +
                                  " is not a command result; expected ID=<id>&Return=<code>&"
                                  "CMD=<cmd>");
      continue;
    }
    if (eq == std::string_view::npos) {
      collector.error(number, "line " + quote(line) + " in the result for ID=" +
                                  quote(current->result.id) + " has no '='");
      continue;
    }
    const std::string_view value = line.substr(eq + 1);
    if (current->one_field_per_line) {
      collector.set(key, value);
    } else {
      // INFO's Key=Value lines: kept as fields even when a key looks like Return or CMD.
      current->result.fields.push_back(Field{std::string(key), std::string(value)});
    }
  }
  collector.finish();
  return batch;
}

std::string encodeCommandResults(std::span<const CommandResult> results) {
  std::string out;
  for (const auto& result : results) {
    out +=
        "ID=" + result.id + "&Return=" + std::to_string(result.return_code) + "&CMD=" + result.cmd;
    for (const auto& field : result.fields) {
      out += "&" + field.key + "=" + field.value;
    }
    out += '\n';
  }
  return out;
}

bool commandSucceeded(const CommandResult& result) noexcept {
  // Enrolment reports failures as positive codes (finger exists, bad quality, cancelled…).
  if (istartsWith(result.cmd, "ENROLL_")) {
    return result.return_code == 0;
  }
  return result.return_code >= 0;
}

std::string_view describeReturnCode(std::int64_t code, std::string_view cmd) noexcept {
  if (iequals(cmd, "ENROLL_MF")) {
    switch (code) {
      case 4:
        return "retries exhausted";
      case 5:
        return "timed out";
      case 6:
        return "cancelled with Esc";
      default:
        break;
    }
  } else if (istartsWith(cmd, "ENROLL_")) {
    switch (code) {
      case 2:
        return "finger already enrolled for this user";
      case 4:
        return "enrolment failed (poor quality)";
      case 5:
        return "already enrolled for another user";
      case 6:
        return "enrolment cancelled";
      case 7:
        return "device busy";
      default:
        break;
    }
  }
  if (code >= 0) {
    return "success";
  }
  switch (code) {
    case -1:
      return "parameter error (also: no data for the query)";
    case -2:
      return "user photo size mismatch, wrong operation or file operation failed";
    case -3:
      return "flash read/write error";
    case -4:
      return "no matching data";
    case -5:
      return "no space left";
    case -6:
      return "data invalid";
    case -9:
      return "template length does not match Size";
    case -10:
      return "PIN not on device";
    case -11:
      return "illegal template format";
    case -12:
      return "illegal template";
    case -22:
      return "unknown command";
    case -30:
      return "template algorithm version mismatch";
    case -1001:
      return "capacity limit reached";
    case -1002:
      return "not supported or invalid command syntax";
    case -1003:
      return "timed out";
    case -1004:
      return "data does not match the configuration, or unsupported table";
    case -1005:
      return "device busy";
    case -1006:
      return "data too long";
    case -1007:
      return "memory error";
    case -1008:
      return "failed to fetch server data";
    default:
      return "unknown error";
  }
}

}  // namespace punchlink::adms
