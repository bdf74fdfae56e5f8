// Prometheus text exposition format (version 0.0.4): HELP and TYPE lines, then the samples.
// Both daemons serve it at /metrics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace punchlink {

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

  // A histogram from cumulative bucket counts: `upper_bounds[i]` and `cumulative[i]`, then +Inf
  // with `count`, plus the sum.
  template <typename Bounds, typename Counts>
  void histogram(std::string_view name,
                 std::string_view help,
                 const Bounds& upper_bounds,
                 const Counts& cumulative,
                 std::uint64_t count,
                 double sum) {
    family(name, help, "histogram");
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
      labelled(bucket, "le", formatNumber(static_cast<double>(upper_bounds[i])),
               std::to_string(cumulative[i]));
    }
    labelled(bucket, "le", "+Inf", std::to_string(count));
    text_.append(name).append("_sum ").append(formatNumber(sum)).append("\n");
    text_.append(name).append("_count ").append(std::to_string(count)).append("\n");
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

  static std::string formatNumber(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') {
      text.pop_back();
    }
    return text;
  }

  std::string text_;
};

}  // namespace punchlink
