#include <punchlink/common/log.hpp>
#include <punchlink/common/utc_time.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace punchlink {

namespace {

// sd-daemon(3) priorities: 7 debug, 6 info, 4 warning, 3 err.
int journalPriority(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Debug:
      return 7;
    case LogLevel::Info:
      return 6;
    case LogLevel::Warning:
      return 4;
    case LogLevel::Error:
      return 3;
  }
  return 6;
}

bool needsQuotes(std::string_view value) noexcept {
  if (value.empty()) {
    return true;
  }
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || c == '"' || c == '=' || c == '\\' || byte == 0x7F) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<LogLevel> parseLogLevel(std::string_view text) {
  if (text == "debug") {
    return LogLevel::Debug;
  }
  if (text == "info") {
    return LogLevel::Info;
  }
  if (text == "warning" || text == "warn") {
    return LogLevel::Warning;
  }
  if (text == "error") {
    return LogLevel::Error;
  }
  return makeError(ErrorCode::InvalidInput, "unknown log level \"" + std::string(text) + "\"",
                   "use one of debug, info, warning, error");
}

std::string_view logLevelName(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warning:
      return "warning";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

std::string formatLogValue(std::string_view value) {
  if (!needsQuotes(value)) {
    return std::string(value);
  }
  std::string out = "\"";
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

StderrSink::StderrSink(bool journal) : journal_(journal) {}

std::shared_ptr<StderrSink> StderrSink::detect() {
  // systemd sets JOURNAL_STREAM=<device>:<inode> of the journal stream; compare with stderr so
  // that a child whose stderr was redirected elsewhere does not emit priority prefixes.
  bool journal = false;
  if (const char* stream = std::getenv("JOURNAL_STREAM"); stream != nullptr) {
    struct stat st {};

    if (fstat(STDERR_FILENO, &st) == 0) {
      const std::string expected = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
      journal = expected == stream;
    }
  }
  return std::make_shared<StderrSink>(journal);
}

void StderrSink::write(LogLevel level, std::string_view line) {
  std::string out;
  if (journal_) {
    out = "<" + std::to_string(journalPriority(level)) + ">";
  } else {
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    out = formatRfc3339Millis(now) + " " + std::string(logLevelName(level)) + " ";
  }
  out += line;
  out += '\n';
  const std::lock_guard lock(mutex_);
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

Logger::Logger(std::string component,
               LogLevel min_level,
               std::shared_ptr<LogSink> sink,
               const Clock& clock)
    : component_(std::move(component)),
      min_level_(min_level),
      sink_(std::move(sink)),
      clock_(&clock),
      shared_(std::make_shared<Shared>()) {}

Logger Logger::child(std::string_view component) const {
  Logger logger = *this;
  logger.component_ =
      component_.empty() ? std::string(component) : component_ + "." + std::string(component);
  return logger;
}

void Logger::log(LogLevel level, std::string_view message, LogFields fields) {
  if (enabled(level)) {
    emit(level, message, fields, 0);
  }
}

void Logger::limited(LogLevel level,
                     std::string_view key,
                     std::string_view message,
                     LogFields fields) {
  if (!enabled(level)) {
    return;
  }
  long suppressed = 0;
  {
    const std::lock_guard lock(shared_->mutex);
    const auto now = clock_->steadyNow();
    auto it = shared_->limits.find(key);
    if (it == shared_->limits.end()) {
      it = shared_->limits.emplace(std::string(key), LimitState{now, 0, 0}).first;
    }
    LimitState& state = it->second;
    if (now - state.window_start >= shared_->window) {
      state.window_start = now;
      state.emitted = 0;
    }
    if (state.emitted >= shared_->burst) {
      ++state.suppressed;
      return;
    }
    ++state.emitted;
    suppressed = state.suppressed;
    state.suppressed = 0;
  }
  emit(level, message, fields, suppressed);
}

void Logger::setRateLimit(int burst, std::chrono::seconds window) {
  const std::lock_guard lock(shared_->mutex);
  shared_->burst = burst < 1 ? 1 : burst;
  shared_->window = window;
}

void Logger::emit(LogLevel level, std::string_view message, LogFields fields, long suppressed) {
  std::string line;
  line.reserve(component_.size() + message.size() + 16 * fields.size() + 4);
  if (!component_.empty()) {
    line += component_;
    line += ": ";
  }
  line += message;
  for (const LogField& field : fields) {
    line += ' ';
    line += field.key;
    line += '=';
    line += formatLogValue(field.value);
  }
  if (suppressed > 0) {
    line += " suppressed=" + std::to_string(suppressed);
  }
  sink_->write(level, line);
}

}  // namespace punchlink
