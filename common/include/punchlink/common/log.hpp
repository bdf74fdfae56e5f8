// Logging: one line per event with key=value fields, on stderr in a form journald understands
// (a "<N>" priority prefix when stderr is the journal), and rate limiting for lines that would
// otherwise repeat, such as an offline terminal's reconnect errors (STYLE.md anti-pattern 8).
#pragma once

#include <punchlink/common/clock.hpp>
#include <punchlink/common/result.hpp>

#include <chrono>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace punchlink {

enum class LogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3 };

Result<LogLevel> parseLogLevel(std::string_view text);
std::string_view logLevelName(LogLevel level) noexcept;

struct LogField {
  std::string_view key;
  std::string value;
};

using LogFields = std::initializer_list<LogField>;

// Where formatted lines go. Implementations must be safe to call from several threads.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(LogLevel level, std::string_view line) = 0;
};

// stderr. With `journal` set, lines carry sd-daemon priority prefixes and no timestamp
// (journald adds its own); otherwise an RFC 3339 timestamp and the level name.
class StderrSink final : public LogSink {
 public:
  explicit StderrSink(bool journal);
  // journal = true when $JOURNAL_STREAM names our stderr, as systemd sets it for services.
  static std::shared_ptr<StderrSink> detect();
  void write(LogLevel level, std::string_view line) override;

 private:
  bool journal_;
  std::mutex mutex_;
};

// Formats "component: message key=value key=\"spaced value\"". Thread-safe.
class Logger {
 public:
  Logger(std::string component,
         LogLevel min_level,
         std::shared_ptr<LogSink> sink,
         const Clock& clock);

  // A logger for a sub-component sharing this one's sink, level and rate limiter settings.
  Logger child(std::string_view component) const;

  bool enabled(LogLevel level) const noexcept { return level >= min_level_; }

  void log(LogLevel level, std::string_view message, LogFields fields = {});

  void debug(std::string_view message, LogFields fields = {}) {
    log(LogLevel::Debug, message, fields);
  }

  void info(std::string_view message, LogFields fields = {}) {
    log(LogLevel::Info, message, fields);
  }

  void warn(std::string_view message, LogFields fields = {}) {
    log(LogLevel::Warning, message, fields);
  }

  void error(std::string_view message, LogFields fields = {}) {
    log(LogLevel::Error, message, fields);
  }

  // Logs at most `burst` lines per `window` for one `key`; further lines in that window are
  // counted, and the next line that gets through reports "suppressed=N".
  void limited(LogLevel level,
               std::string_view key,
               std::string_view message,
               LogFields fields = {});

  void setRateLimit(int burst, std::chrono::seconds window);

 private:
  struct LimitState {
    std::chrono::steady_clock::time_point window_start;
    int emitted = 0;
    long suppressed = 0;
  };

  struct Shared {
    std::mutex mutex;
    std::map<std::string, LimitState, std::less<>> limits;
    int burst = 5;
    std::chrono::seconds window{60};
  };

  void emit(LogLevel level, std::string_view message, LogFields fields, long suppressed);

  std::string component_;
  LogLevel min_level_;
  std::shared_ptr<LogSink> sink_;
  const Clock* clock_;
  std::shared_ptr<Shared> shared_;
};

// Quotes a value if it is empty or holds spaces, quotes, '=' or control characters.
std::string formatLogValue(std::string_view value);

}  // namespace punchlink
