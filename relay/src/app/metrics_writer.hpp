// Prometheus text exposition format (version 0.0.4): HELP and TYPE lines, then the sample.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace punchlink::relay {

class MetricsWriter {
 public:
  void counter(std::string_view name, std::string_view help, std::uint64_t value) {
    sample(name, help, "counter", "", std::to_string(value));
  }

  void gauge(std::string_view name, std::string_view help, std::int64_t value) {
    sample(name, help, "gauge", "", std::to_string(value));
  }

  // A family with one label; call family() once, then labelled() per value.
  void family(std::string_view name, std::string_view help, std::string_view type) {
    text_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    text_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }

  void labelled(std::string_view name,
                std::string_view label,
                std::string_view label_value,
                std::string_view value) {
    text_.append(name).append("{").append(label).append("=\"").append(label_value);
    text_.append("\"} ").append(value).append("\n");
  }

  const std::string& text() const noexcept { return text_; }

 private:
  void sample(std::string_view name,
              std::string_view help,
              std::string_view type,
              std::string_view labels,
              const std::string& value) {
    family(name, help, type);
    text_.append(name).append(labels).append(" ").append(value).append("\n");
  }

  std::string text_;
};

}  // namespace punchlink::relay
