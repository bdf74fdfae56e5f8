// Typed, strict reading of YAML config files over yaml-cpp. Every error names the file, the
// line and column, and the key path (e.g. "agent.yaml:12:7: uplink.tls.ca_file: expected a
// string"), and keys that no reader asked for are errors, so typos never pass silently.
//
// Usage: parseYamlConfig(doc, [](YamlMap& root) { Cfg c; c.x = root.get("x", 5); ...; return c; })
// Sections are read through callbacks so that the unknown-key check runs on every map.
#pragma once

#include <punchlink/common/result.hpp>

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::config {

// A byte count read from "512MiB"-style text.
struct ByteSize {
  std::uint64_t bytes = 0;
  friend bool operator==(const ByteSize&, const ByteSize&) = default;
};

// Thrown inside a parse callback; parseYamlConfig turns it into an Error. Not for use elsewhere.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class YamlDocument {
 public:
  // A missing file, an unreadable file and YAML syntax errors come back as InvalidInput errors
  // with the position.
  static Result<YamlDocument> loadFile(const std::string& path);
  static Result<YamlDocument> loadString(std::string_view text, std::string source_name);

  const std::string& source() const noexcept { return *source_; }

  const YAML::Node& root() const noexcept { return root_; }

 private:
  YamlDocument(YAML::Node root, std::string source)
      : root_(std::move(root)), source_(std::make_shared<const std::string>(std::move(source))) {}

  YAML::Node root_;
  std::shared_ptr<const std::string> source_;
};

class YamlMap {
 public:
  YamlMap(YAML::Node node, std::string path, std::shared_ptr<const std::string> source);

  // Scalars. T is std::string, bool, an integer type, double, std::chrono::milliseconds or
  // std::chrono::seconds (from "30s"-style text) or ByteSize.
  template <typename T>
  T required(std::string_view key) {
    const YAML::Node node = lookup(key);
    if (!node.IsDefined() || node.IsNull()) {
      failMissing(key);
    }
    return convert<T>(key, node);
  }

  template <typename T>
  T get(std::string_view key, T fallback) {
    const YAML::Node node = lookup(key);
    if (!node.IsDefined() || node.IsNull()) {
      return fallback;
    }
    return convert<T>(key, node);
  }

  template <typename T>
  std::optional<T> optional(std::string_view key) {
    const YAML::Node node = lookup(key);
    if (!node.IsDefined() || node.IsNull()) {
      return std::nullopt;
    }
    return convert<T>(key, node);
  }

  // An integer within [min, max]; every error names that range.
  template <std::integral T>
  T getInRange(std::string_view key, T fallback, T min, T max) {
    const YAML::Node node = lookup(key);
    if (!node.IsDefined() || node.IsNull()) {
      return fallback;
    }
    return integerInRange<T>(key, node, min, max);
  }

  template <std::integral T>
  T requiredInRange(std::string_view key, T min, T max) {
    const YAML::Node node = lookup(key);
    if (!node.IsDefined() || node.IsNull()) {
      failMissing(key);
    }
    return integerInRange<T>(key, node, min, max);
  }

  // A duration of at least `min` (e.g. intervals that must not spin).
  template <typename Duration>
  Duration getAtLeast(std::string_view key, Duration fallback, Duration min) {
    const Duration value = get<Duration>(key, fallback);
    if (value < min) {
      fail(key, "must be at least " + describeDuration(min));
    }
    return value;
  }

  // One of a fixed set of words, e.g. transport: tcp|udp.
  std::string oneOf(std::string_view key,
                    std::string_view fallback,
                    std::initializer_list<std::string_view> allowed);
  // The same for a set known only at run time (e.g. the registered terminal protocols).
  std::string oneOf(std::string_view key,
                    std::string_view fallback,
                    std::span<const std::string_view> allowed);

  std::vector<std::string> stringList(std::string_view key);

  bool has(std::string_view key) const;
  // True if `key` holds a list with at least one item.
  bool hasNonEmptyList(std::string_view key) const;

  // Nested map: `read` is called with it, then its unknown keys are rejected.
  void section(std::string_view key, const std::function<void(YamlMap&)>& read);
  // As section(), but an absent key is fine: returns false and does not call `read`.
  bool optionalSection(std::string_view key, const std::function<void(YamlMap&)>& read);
  // A list of maps (e.g. devices): `read` gets each item and its index.
  void eachItem(std::string_view key,
                const std::function<void(YamlMap&, std::size_t)>& read,
                bool required = false);

  // Rejects the first key that no accessor read. Called for you by section()/parseYamlConfig.
  void finish() const;

  // For semantic checks after reading: throws ConfigError located at `key` (or the map itself
  // when the key is absent).
  [[noreturn]] void fail(std::string_view key, std::string_view what) const;

  std::string pathOf(std::string_view key) const;

  const std::string& path() const noexcept { return path_; }

 private:
  YAML::Node lookup(std::string_view key);
  [[noreturn]] void failMissing(std::string_view key) const;
  std::string similarUnreadKey(std::string_view key) const;

  template <typename T>
  T convert(std::string_view key, const YAML::Node& node) const {
    T value{};
    const std::string expected = readScalar(node, value);
    if (!expected.empty()) {
      failAt(node, key, "expected " + expected + ", got " + describe(node));
    }
    return value;
  }

  void checkRange(std::string_view key, long double value, long double min, long double max) const;

  template <std::integral T>
  T integerInRange(std::string_view key, const YAML::Node& node, T min, T max) const {
    long long value = 0;
    const std::string expected =
        readInteger(node, static_cast<long double>(min), static_cast<long double>(max), value);
    if (!expected.empty()) {
      failAt(node, key, "expected " + expected + ", got " + describe(node));
    }
    return static_cast<T>(value);
  }

  static std::string describeDuration(std::chrono::milliseconds duration);

  [[noreturn]] void failAt(const YAML::Node& node,
                           std::string_view key,
                           std::string_view what) const;

  static std::string describe(const YAML::Node& node);

  // Each returns "" on success or a description of what was expected.
  static std::string readScalar(const YAML::Node& node, std::string& out);
  static std::string readScalar(const YAML::Node& node, bool& out);
  static std::string readScalar(const YAML::Node& node, double& out);
  static std::string readScalar(const YAML::Node& node, std::chrono::milliseconds& out);
  static std::string readScalar(const YAML::Node& node, std::chrono::seconds& out);
  static std::string readScalar(const YAML::Node& node, ByteSize& out);
  static std::string readInteger(const YAML::Node& node,
                                 long double min,
                                 long double max,
                                 long long& out);

  template <std::integral T>
  static std::string readScalar(const YAML::Node& node, T& out) {
    long long value = 0;
    std::string expected =
        readInteger(node, static_cast<long double>(std::numeric_limits<T>::min()),
                    static_cast<long double>(std::numeric_limits<T>::max()), value);
    if (expected.empty()) {
      out = static_cast<T>(value);
    }
    return expected;
  }

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const std::string> source_;
  std::set<std::string, std::less<>> read_keys_;
};

namespace detail {
Error toConfigError(const std::exception& error, const std::string& source);
void checkRootIsMap(const YamlDocument& doc);
}  // namespace detail

// Runs `read` over the document's root map, then rejects unknown keys. Every ConfigError or
// yaml-cpp exception becomes an InvalidInput error carrying file:line:col and the key path.
template <typename Read>
auto parseYamlConfig(const YamlDocument& doc, Read&& read)
    -> Result<std::invoke_result_t<Read, YamlMap&>> {
  try {
    detail::checkRootIsMap(doc);
    YamlMap root(doc.root(), "", std::make_shared<const std::string>(doc.source()));
    auto value = std::forward<Read>(read)(root);
    root.finish();
    return value;
  } catch (const std::exception& error) {
    return detail::toConfigError(error, doc.source());
  }
}

}  // namespace punchlink::config
