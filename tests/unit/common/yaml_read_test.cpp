#include <punchlink/common/text.hpp>
#include <punchlink/common/yaml_read.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace punchlink::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Device {
  std::string name;
  std::uint16_t port = 4370;
  std::string transport;
};

struct Sample {
  std::string site_id;
  int retries = 3;
  milliseconds poll{30'000};
  seconds retention{3600};
  ByteSize limit{1024};
  bool verbose = false;
  std::string ca_file;
  std::vector<Device> devices;
  std::vector<std::string> tags;
};

Sample readSample(YamlMap& root) {
  Sample s;
  s.site_id = root.required<std::string>("site_id");
  s.retries = root.getInRange("retries", 3, 0, 10);
  s.poll = root.get("poll", s.poll);
  s.retention = root.get("retention", s.retention);
  s.limit = root.get("limit", s.limit);
  s.verbose = root.get("verbose", false);
  s.tags = root.stringList("tags");
  root.optionalSection("uplink", [&](YamlMap& uplink) {
    uplink.optionalSection("tls",
                           [&](YamlMap& tls) { s.ca_file = tls.required<std::string>("ca_file"); });
  });
  root.eachItem("devices", [&](YamlMap& item, std::size_t) {
    Device d;
    d.name = item.required<std::string>("name");
    d.port = item.get<std::uint16_t>("port", 4370);
    d.transport = item.oneOf("transport", "tcp", {"tcp", "udp"});
    s.devices.push_back(d);
  });
  return s;
}

Result<Sample> parse(std::string_view text) {
  auto doc = YamlDocument::loadString(text, "agent.yaml");
  if (!doc) {
    return doc.error();
  }
  return parseYamlConfig(*doc, readSample);
}

std::string errorOf(std::string_view text) {
  auto result = parse(text);
  EXPECT_FALSE(result.ok()) << "expected an error for:\n" << text;
  return result.ok() ? std::string() : result.error().message;
}

TEST(YamlRead, ReadsAFullDocument) {
  const auto sample = parse(R"(site_id: plant-7
retries: 5
poll: 250ms
retention: 7d
limit: 512MiB
verbose: yes
tags: [a, b]
uplink:
  tls:
    ca_file: /etc/ca.pem
devices:
  - name: door
    port: 4371
    transport: udp
  - name: gate
)");
  ASSERT_TRUE(sample.ok()) << sample.error();
  EXPECT_EQ(sample->site_id, "plant-7");
  EXPECT_EQ(sample->retries, 5);
  EXPECT_EQ(sample->poll, milliseconds{250});
  EXPECT_EQ(sample->retention, seconds{7 * 86400});
  EXPECT_EQ(sample->limit.bytes, 512ULL * 1024 * 1024);
  EXPECT_TRUE(sample->verbose);
  EXPECT_EQ(sample->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sample->ca_file, "/etc/ca.pem");
  ASSERT_EQ(sample->devices.size(), 2U);
  EXPECT_EQ(sample->devices[0].port, 4371);
  EXPECT_EQ(sample->devices[0].transport, "udp");
  EXPECT_EQ(sample->devices[1].port, 4370);
  EXPECT_EQ(sample->devices[1].transport, "tcp");
}

TEST(YamlRead, DefaultsApplyWhenKeysAreAbsent) {
  const auto sample = parse("site_id: s\n");
  ASSERT_TRUE(sample.ok()) << sample.error();
  EXPECT_EQ(sample->retries, 3);
  EXPECT_EQ(sample->poll, milliseconds{30'000});
  EXPECT_TRUE(sample->devices.empty());
}

TEST(YamlRead, UnknownKeyNamesPositionPathAndKnownKeys) {
  const std::string error =
      errorOf("site_id: s\nuplink:\n  tls:\n    ca_file: /x\n    verfy: no\n");
  EXPECT_EQ(error, "agent.yaml:5:5: uplink.tls.verfy: unknown key (known keys here: ca_file)");
}

TEST(YamlRead, TextThatIsNotUtf8IsRefused) {
  // Read into the printed configuration and the logs, it would break both (found by fuzzing).
  const std::string error = errorOf("site_id: \"pl\xC6\xD1nt\"\n");
  EXPECT_NE(error.find("site_id: expected UTF-8 text"), std::string::npos) << error;
  EXPECT_NE(error.find("got bytes that are not UTF-8"), std::string::npos) << error;
  EXPECT_EQ(error.find("pl\xC6"), std::string::npos) << "the bytes are never echoed";
  EXPECT_TRUE(isValidUtf8("Zürich ✓ 🙂"));
  for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"}) {
    EXPECT_FALSE(isValidUtf8(bad)) << bad;
  }
}

TEST(YamlRead, TypoOfARequiredKeyNamesBoth) {
  const std::string error = errorOf("site_id: s\nuplink:\n  tls:\n    ca_fle: /x\n");
  EXPECT_EQ(
      error,
      "agent.yaml:4:5: uplink.tls.ca_file: is required but missing (found \"ca_fle\" instead: a "
      "typo?)");
}

TEST(YamlRead, UnknownTopLevelKey) {
  const std::string error = errorOf("site_id: s\nsite_idd: t\n");
  EXPECT_EQ(error.rfind("agent.yaml:2:1: site_idd: unknown key", 0), 0U) << error;
}

TEST(YamlRead, MissingRequiredKey) {
  const std::string error = errorOf("retries: 1\n");
  EXPECT_NE(error.find("site_id: is required but missing"), std::string::npos) << error;
  EXPECT_EQ(error.rfind("agent.yaml:1:1:", 0), 0U) << error;
}

TEST(YamlRead, MissingRequiredKeyInNestedSection) {
  const std::string error = errorOf("site_id: s\nuplink:\n  tls:\n    other: 1\n");
  EXPECT_NE(error.find("uplink.tls.ca_file: is required but missing"), std::string::npos) << error;
  EXPECT_EQ(error.rfind("agent.yaml:4:5:", 0), 0U) << error;
}

TEST(YamlRead, WrongTypeNamesExpectationAndValue) {
  const std::string error = errorOf("site_id: s\nretries: many\n");
  EXPECT_EQ(error, "agent.yaml:2:10: retries: expected an integer from 0 to 10, got \"many\"");
}

TEST(YamlRead, OutOfRange) {
  const std::string error = errorOf("site_id: s\nretries: 11\n");
  EXPECT_EQ(error, "agent.yaml:2:10: retries: expected an integer from 0 to 10, got \"11\"");
}

TEST(YamlRead, ErrorsInsideListItemsCarryTheIndex) {
  const std::string error =
      errorOf("site_id: s\ndevices:\n  - name: a\n  - name: b\n    port: 70000\n");
  EXPECT_EQ(error.rfind("agent.yaml:5:11: devices[1].port: expected an integer from 0 to 65535", 0),
            0U)
      << error;
  const std::string transport =
      errorOf("site_id: s\ndevices:\n  - name: a\n    transport: serial\n");
  EXPECT_NE(transport.find("devices[0].transport: must be one of tcp, udp, got \"serial\""),
            std::string::npos)
      << transport;
  const std::string unknown = errorOf("site_id: s\ndevices:\n  - name: a\n    hots: x\n");
  EXPECT_NE(unknown.find("agent.yaml:4:5: devices[0].hots: unknown key"), std::string::npos)
      << unknown;
}

TEST(YamlRead, DurationsAndSizesNeedUnits) {
  EXPECT_NE(errorOf("site_id: s\npoll: 30\n").find("expected a duration such as 250ms"),
            std::string::npos);
  EXPECT_NE(errorOf("site_id: s\nretention: 1500ms\n").find("whole number of seconds"),
            std::string::npos);
  EXPECT_NE(errorOf("site_id: s\nlimit: 12 parsecs\n").find("expected a size"), std::string::npos);
}

TEST(YamlRead, DuplicateKeysAreErrors) {
  const std::string error = errorOf("site_id: a\nretries: 1\nsite_id: b\n");
  EXPECT_NE(error.find("agent.yaml:3:1: site_id: is given twice (first on line 1)"),
            std::string::npos)
      << error;
}

TEST(YamlRead, SectionMustBeAMap) {
  const std::string error = errorOf("site_id: s\nuplink: mqtts://x\n");
  EXPECT_NE(error.find("agent.yaml:2:9: uplink: expected a map of settings, got \"mqtts://x\""),
            std::string::npos)
      << error;
}

TEST(YamlRead, RootMustBeAMap) {
  const std::string error = errorOf("- a\n- b\n");
  EXPECT_NE(error.find("(top level): expected a map"), std::string::npos) << error;
}

TEST(YamlRead, SyntaxErrorsCarryPosition) {
  const auto doc = YamlDocument::loadString("site_id: s\nuplink: [a, b\n", "agent.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().message.rfind("agent.yaml:3:1: YAML syntax error", 0), 0U)
      << doc.error().message;
}

TEST(YamlRead, MissingFileIsAClearError) {
  const auto doc = YamlDocument::loadFile("/nonexistent/punchlink.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().message, "cannot read config file /nonexistent/punchlink.yaml");
  EXPECT_FALSE(doc.error().hint.empty());
}

TEST(YamlRead, LoadsFromFile) {
  testing::TempDir dir;
  const auto path = dir.write("agent.yaml", "site_id: from-file\n");
  const auto doc = YamlDocument::loadFile(path.string());
  ASSERT_TRUE(doc.ok());
  const auto sample = parseYamlConfig(*doc, readSample);
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->site_id, "from-file");
}

TEST(YamlRead, SemanticFailPointsAtTheKey) {
  const auto doc = YamlDocument::loadString("a: 1\nb: 2\n", "x.yaml").value();
  const auto result = parseYamlConfig(doc, [](YamlMap& root) {
    const int a = root.required<int>("a");
    const int b = root.required<int>("b");
    if (b <= a * 2) {
      root.fail("b", "must be more than twice a");
    }
    return a + b;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "x.yaml:2:4: b: must be more than twice a");
}

TEST(YamlRead, EmptyDocumentReadsAsEmptyMap) {
  const auto doc = YamlDocument::loadString("", "empty.yaml").value();
  const auto result = parseYamlConfig(doc, [](YamlMap& root) { return root.get("x", 7); });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), 7);
}

}  // namespace
}  // namespace punchlink::config
