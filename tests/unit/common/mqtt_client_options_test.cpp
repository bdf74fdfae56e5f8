// MqttClient::create validates options before any network activity.
#include <punchlink/common/mqtt_client.hpp>

#include <gtest/gtest.h>

namespace punchlink::mqtt_client {
namespace {

class MqttOptionsTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<MqttClient>> create(MqttClientOptions options) {
    return MqttClient::create(std::move(options), logger_);
  }

  static MqttClientOptions base() {
    MqttClientOptions options;
    options.server_uri = "mqtts://broker.example:8883";
    options.client_id = "site-a";
    return options;
  }

  SystemClock clock_;
  Logger logger_{"test", LogLevel::Error, StderrSink::detect(), clock_};
};

TEST_F(MqttOptionsTest, AcceptsMqttAndMqttsUrls) {
  EXPECT_TRUE(create(base()).ok());
  auto plain = base();
  plain.server_uri = "mqtt://127.0.0.1:1883";
  EXPECT_TRUE(create(plain).ok());
}

TEST_F(MqttOptionsTest, RejectsUnknownSchemeAndMissingPort) {
  auto options = base();
  options.server_uri = "http://broker:8883";
  auto result = create(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("must start with mqtts://"), std::string::npos);
  options.server_uri = "mqtts://broker";
  result = create(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("has no port"), std::string::npos);
}

TEST_F(MqttOptionsTest, RejectsUnreadableTlsFiles) {
  auto options = base();
  options.ca_file = "/nonexistent/ca.pem";
  const auto result = create(options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "CA file /nonexistent/ca.pem does not exist or is not readable");
}

TEST_F(MqttOptionsTest, RejectsTlsFilesOnPlainUrlAndHalfClientCert) {
  auto options = base();
  options.server_uri = "mqtt://broker:1883";
  options.ca_file = "/etc/hostname";
  EXPECT_FALSE(create(options).ok());
  options = base();
  options.cert_file = "/etc/hostname";
  EXPECT_FALSE(create(options).ok());
}

TEST_F(MqttOptionsTest, RejectsEmptyClientId) {
  auto options = base();
  options.client_id.clear();
  EXPECT_FALSE(create(options).ok());
}

}  // namespace
}  // namespace punchlink::mqtt_client
