#include <punchlink/common/text.hpp>
#include <punchlink/common/units.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace punchlink::config {

namespace {

std::string position(const std::string& source, const YAML::Mark& mark) {
  // yaml-cpp marks are 0-based; editors count from 1. A null mark (-1) means "unknown".
  const int line = mark.line >= 0 ? mark.line + 1 : 1;
  const int column = mark.column >= 0 ? mark.column + 1 : 1;
  return source + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string joinPath(const std::string& base, std::string_view key) {
  if (base.empty()) {
    return std::string(key);
  }
  if (!key.empty() && key.front() == '[') {
    return base + std::string(key);
  }
  return base + "." + std::string(key);
}

}  // namespace

Result<YamlDocument> YamlDocument::loadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return makeError(ErrorCode::InvalidInput, "cannot read config file " + path,
                     "check that the path exists and is readable by this user");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return makeError(ErrorCode::InvalidInput, "error while reading config file " + path);
  }
  return loadString(text.str(), path);
}

Result<YamlDocument> YamlDocument::loadString(std::string_view text, std::string source_name) {
  try {
    return YamlDocument(YAML::Load(std::string(text)), source_name);
  } catch (const YAML::Exception& error) {
    return makeError(ErrorCode::InvalidInput,
                     position(source_name, error.mark) + ": YAML syntax error: " + error.msg,
                     "fix the file's syntax (indentation, quotes, colons)");
  }
}

YamlMap::YamlMap(YAML::Node node, std::string path, std::shared_ptr<const std::string> source)
    : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)) {
  if (!node_.IsMap()) {
    return;  // a null section reads as empty; callers check IsMap before constructing otherwise
  }
  std::map<std::string, int, std::less<>> seen;
  for (const auto& entry : node_) {
    if (!entry.first.IsScalar()) {
      throw ConfigError(position(*source_, entry.first.Mark()) + ": " +
                        (path_.empty() ? std::string("(top level)") : path_) +
                        ": keys must be plain words");
    }
    const std::string& key = entry.first.Scalar();
    const auto [it, inserted] = seen.emplace(key, entry.first.Mark().line + 1);
    if (!inserted) {
      throw ConfigError(position(*source_, entry.first.Mark()) + ": " + pathOf(key) +
                        ": is given twice (first on line " + std::to_string(it->second) +
                        "); keep one");
    }
  }
}

YAML::Node YamlMap::lookup(std::string_view key) {
  read_keys_.emplace(key);
  if (!node_.IsMap()) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  for (const auto& entry : node_) {
    if (entry.first.Scalar() == key) {
      return entry.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool YamlMap::has(std::string_view key) const {
  if (!node_.IsMap()) {
    return false;
  }
  for (const auto& entry : node_) {
    if (entry.first.Scalar() == key) {
      return !entry.second.IsNull();
    }
  }
  return false;
}

bool YamlMap::hasNonEmptyList(std::string_view key) const {
  if (!node_.IsMap()) {
    return false;
  }
  for (const auto& entry : node_) {
    if (entry.first.Scalar() == key) {
      return entry.second.IsSequence() && entry.second.size() > 0;
    }
  }
  return false;
}

std::string YamlMap::pathOf(std::string_view key) const { return joinPath(path_, key); }

namespace {

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string YamlMap::similarUnreadKey(std::string_view key) const {
  if (!node_.IsMap()) {
    return {};
  }
  const std::size_t tolerance = std::max<std::size_t>(2, key.size() / 3);
  for (const auto& entry : node_) {
    const std::string& candidate = entry.first.Scalar();
    if (read_keys_.find(candidate) == read_keys_.end() &&
        editDistance(candidate, key) <= tolerance) {
      return candidate;
    }
  }
  return {};
}

void YamlMap::failMissing(std::string_view key) const {
  // A missing required key next to an unknown key that looks like it is most often a typo.
  const std::string similar = similarUnreadKey(key);
  fail(key, similar.empty()
                ? "is required but missing"
                : "is required but missing (found \"" + similar + "\" instead: a typo?)");
}

void YamlMap::fail(std::string_view key, std::string_view what) const {
  if (node_.IsMap()) {
    for (const auto& entry : node_) {
      if (entry.first.Scalar() == key) {
        failAt(entry.second.IsNull() ? entry.first : entry.second, key, what);
      }
    }
  }
  failAt(node_, key, what);
}

void YamlMap::failAt(const YAML::Node& node, std::string_view key, std::string_view what) const {
  const std::string where = key.empty() ? (path_.empty() ? "(top level)" : path_) : pathOf(key);
  throw ConfigError(position(*source_, node.Mark()) + ": " + where + ": " + std::string(what));
}

void YamlMap::checkRange(std::string_view key,
                         long double value,
                         long double min,
                         long double max) const {
  if (value < min || value > max) {
    std::ostringstream what;
    what << "must be from " << static_cast<long long>(min) << " to " << static_cast<long long>(max)
         << ", got " << static_cast<long long>(value);
    fail(key, what.str());
  }
}

void YamlMap::finish() const {
  if (!node_.IsMap()) {
    return;
  }
  for (const auto& entry : node_) {
    const std::string& key = entry.first.Scalar();
    if (read_keys_.find(key) == read_keys_.end()) {
      std::string known;
      for (const auto& read : read_keys_) {
        known += known.empty() ? read : ", " + read;
      }
      throw ConfigError(position(*source_, entry.first.Mark()) + ": " + pathOf(key) +
                        ": unknown key" +
                        (known.empty() ? std::string(" (this section takes no keys)")
                                       : " (known keys here: " + known + ")"));
    }
  }
}

std::string YamlMap::oneOf(std::string_view key,
                           std::string_view fallback,
                           std::initializer_list<std::string_view> allowed) {
  return oneOf(key, fallback, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

std::string YamlMap::oneOf(std::string_view key,
                           std::string_view fallback,
                           std::span<const std::string_view> allowed) {
  std::string value = get<std::string>(key, std::string(fallback));
  for (std::string_view option : allowed) {
    if (value == option) {
      return value;
    }
  }
  std::string list;
  for (std::string_view option : allowed) {
    list += list.empty() ? std::string(option) : ", " + std::string(option);
  }
  fail(key, "must be one of " + list + ", got \"" + value + "\"");
}

std::vector<std::string> YamlMap::stringList(std::string_view key) {
  const YAML::Node node = lookup(key);
  std::vector<std::string> out;
  if (!node.IsDefined() || node.IsNull()) {
    return out;
  }
  if (!node.IsSequence()) {
    failAt(node, key, "expected a list, got " + describe(node));
  }
  std::size_t index = 0;
  for (const auto& item : node) {
    std::string value;
    const std::string expected = readScalar(item, value);
    if (!expected.empty()) {
      failAt(item, std::string(key) + "[" + std::to_string(index) + "]",
             "expected " + expected + ", got " + describe(item));
    }
    out.push_back(std::move(value));
    ++index;
  }
  return out;
}

void YamlMap::section(std::string_view key, const std::function<void(YamlMap&)>& read) {
  if (!optionalSection(key, read)) {
    failMissing(key);
  }
}

bool YamlMap::optionalSection(std::string_view key, const std::function<void(YamlMap&)>& read) {
  const YAML::Node node = lookup(key);
  if (!node.IsDefined() || node.IsNull()) {
    return false;
  }
  if (!node.IsMap()) {
    failAt(node, key, "expected a map of settings, got " + describe(node));
  }
  YamlMap child(node, pathOf(key), source_);
  read(child);
  child.finish();
  return true;
}

void YamlMap::eachItem(std::string_view key,
                       const std::function<void(YamlMap&, std::size_t)>& read,
                       bool required) {
  const YAML::Node node = lookup(key);
  if (!node.IsDefined() || node.IsNull()) {
    if (required) {
      failMissing(key);
    }
    return;
  }
  if (!node.IsSequence()) {
    failAt(node, key, "expected a list, got " + describe(node));
  }
  std::size_t index = 0;
  for (const auto& item : node) {
    const std::string item_path = pathOf(key) + "[" + std::to_string(index) + "]";
    if (!item.IsMap()) {
      throw ConfigError(position(*source_, item.Mark()) + ": " + item_path +
                        ": expected a map of settings, got " + describe(item));
    }
    YamlMap child(item, item_path, source_);
    read(child, index);
    child.finish();
    ++index;
  }
}

std::string YamlMap::describeDuration(std::chrono::milliseconds duration) {
  return formatDuration(duration);
}

std::string YamlMap::describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: {
      std::string text = node.Scalar();
      if (!isValidUtf8(text)) {
        return "bytes that are not UTF-8";  // never echoed: they may be a secret, and unprintable
      }
      if (text.size() > 40) {
        text = text.substr(0, 37) + "...";
      }
      return "\"" + text + "\"";
    }
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "something else";
}

std::string YamlMap::readScalar(const YAML::Node& node, std::string& out) {
  if (!node.IsScalar()) {
    return "a string";
  }
  // Everything read ends up in logs, JSON and the printed configuration.
  if (!isValidUtf8(node.Scalar())) {
    return "UTF-8 text";
  }
  out = node.Scalar();
  return {};
}

std::string YamlMap::readScalar(const YAML::Node& node, bool& out) {
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, out)) {
    return "true or false";
  }
  return {};
}

std::string YamlMap::readScalar(const YAML::Node& node, double& out) {
  if (!node.IsScalar()) {
    return "a number";
  }
  const std::string& text = node.Scalar();
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(out)) {
    return "a number";
  }
  return {};
}

std::string YamlMap::readScalar(const YAML::Node& node, std::chrono::milliseconds& out) {
  static constexpr std::string_view kExpected = "a duration such as 250ms, 30s, 5m, 1h or 3d";
  if (!node.IsScalar()) {
    return std::string(kExpected);
  }
  auto parsed = parseDuration(node.Scalar());
  if (!parsed) {
    return std::string(kExpected);
  }
  out = parsed.value();
  return {};
}

std::string YamlMap::readScalar(const YAML::Node& node, std::chrono::seconds& out) {
  std::chrono::milliseconds millis{};
  std::string expected = readScalar(node, millis);
  if (!expected.empty()) {
    return expected;
  }
  if (millis.count() % 1000 != 0) {
    return "a whole number of seconds such as 30s or 5m";
  }
  out = std::chrono::duration_cast<std::chrono::seconds>(millis);
  return {};
}

std::string YamlMap::readScalar(const YAML::Node& node, ByteSize& out) {
  static constexpr std::string_view kExpected = "a size such as 512MiB, 2GiB or 1000000";
  if (!node.IsScalar()) {
    return std::string(kExpected);
  }
  auto parsed = parseByteSize(node.Scalar());
  if (!parsed) {
    return std::string(kExpected);
  }
  out.bytes = parsed.value();
  return {};
}

std::string YamlMap::readInteger(const YAML::Node& node,
                                 long double min,
                                 long double max,
                                 long long& out) {
  std::ostringstream expected;
  expected << "an integer from " << static_cast<long long>(min) << " to "
           << static_cast<unsigned long long>(max);
  if (!node.IsScalar()) {
    return expected.str();
  }
  const std::string& text = node.Scalar();
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() ||
      static_cast<long double>(value) < min || static_cast<long double>(value) > max) {
    return expected.str();
  }
  out = value;
  return {};
}

namespace detail {

void checkRootIsMap(const YamlDocument& doc) {
  const YAML::Node& root = doc.root();
  if (!root.IsNull() && !root.IsMap()) {
    throw ConfigError(position(doc.source(), root.Mark()) +
                      ": (top level): expected a map of settings (key: value lines)");
  }
}

Error toConfigError(const std::exception& error, const std::string& source) {
  if (const auto* yaml = dynamic_cast<const YAML::Exception*>(&error); yaml != nullptr) {
    return makeError(ErrorCode::InvalidInput, position(source, yaml->mark) + ": " + yaml->msg);
  }
  return makeError(ErrorCode::InvalidInput, error.what());
}

}  // namespace detail

}  // namespace punchlink::config
