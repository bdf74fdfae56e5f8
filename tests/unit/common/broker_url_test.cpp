#include <punchlink/common/broker_url.hpp>

#include <gtest/gtest.h>

namespace punchlink {
namespace {

TEST(BrokerUrl, HostOfEveryForm) {
  EXPECT_EQ(brokerHost("mqtts://broker.example.com:8883"), "broker.example.com");
  EXPECT_EQ(brokerHost("mqtt://127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(brokerHost("mqtt://[::1]:1883/"), "::1");
  EXPECT_EQ(brokerHost("mqtt://user:pw@10.0.0.5:1883"), "10.0.0.5");
  EXPECT_EQ(brokerHost("mqtt://"), "");
  EXPECT_EQ(brokerHost("broker:1883"), "");
}

TEST(BrokerUrl, APasswordGoesInClearOnlyToLoopback) {
  EXPECT_FALSE(brokerUrlProblem("mqtts://broker.example.com:8883", true));
  EXPECT_FALSE(brokerUrlProblem("mqtt://broker.example.com:1883", false));  // no password
  for (const char* loopback : {"mqtt://127.0.0.1:1883", "mqtt://localhost:1883",
                               "mqtt://[::1]:1883", "mqtt://127.8.9.1"}) {
    EXPECT_FALSE(brokerUrlProblem(loopback, true)) << loopback;
  }
  for (const char* remote : {"mqtt://broker.example.com:1883", "mqtt://10.0.0.5",
                             "mqtt://127.0.0.1.evil.example:1883", "mqtt://[2001:db8::1]:1883"}) {
    const auto problem = brokerUrlProblem(remote, true);
    ASSERT_TRUE(problem) << remote;
    EXPECT_NE(problem->find("use mqtts://"), std::string::npos);
  }
  EXPECT_NE(brokerUrlProblem("http://broker:80", false)->find("must start with mqtts://"),
            std::string::npos);
  EXPECT_NE(brokerUrlProblem("mqtts://", false)->find("names no host"), std::string::npos);
}

}  // namespace
}  // namespace punchlink
