// Which port the MQTT client's socket is found by, for TCP_NODELAY.
#include <punchlink/common/tcp_nodelay.hpp>

#include <gtest/gtest.h>

namespace punchlink {
namespace {

TEST(TcpNodelay, PortOfBrokerUrls) {
  EXPECT_EQ(portOfUrl("mqtts://relay.example.com:18883"), 18883);
  EXPECT_EQ(portOfUrl("mqtt://127.0.0.1:1884/"), 1884);
  EXPECT_EQ(portOfUrl("mqtts://[::1]:8884"), 8884);
  // Without a port, Paho connects to the scheme's default; so must the lookup.
  EXPECT_EQ(portOfUrl("mqtts://relay.example.com"), 8883);
  EXPECT_EQ(portOfUrl("ssl://relay.example.com"), 8883);
  EXPECT_EQ(portOfUrl("mqtt://broker"), 1883);
  EXPECT_EQ(portOfUrl("mqtts://[::1]"), 8883);
  EXPECT_EQ(portOfUrl("mqtt://broker:http"), 0);
}

}  // namespace
}  // namespace punchlink
