// The local status listener's routing (/healthz, /status, /metrics, 404), without a socket.
#include "status/status_server.hpp"

#include <gtest/gtest.h>

namespace punchlink::agent {
namespace {

TEST(StatusServer, RoutesThePagesAndRefusesTheRest) {
  int status_calls = 0;
  int metrics_calls = 0;
  const StatusPages pages{[&] {
                            ++status_calls;
                            return std::string(R"({"site_id":"plant-7"})");
                          },
                          [&] {
                            ++metrics_calls;
                            return std::string("punchlink_agent_devices 2\n");
                          }};

  const StatusReply health = statusReply("/healthz", pages);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.content_type, "application/json");
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  EXPECT_EQ(status_calls + metrics_calls, 0) << "liveness builds no document";

  const StatusReply status = statusReply("/status", pages);
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.content_type, "application/json");
  EXPECT_EQ(status.body, R"({"site_id":"plant-7"})");

  const StatusReply metrics = statusReply("/metrics", pages);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(metrics.body, "punchlink_agent_devices 2\n");
  EXPECT_EQ(status_calls, 1);
  EXPECT_EQ(metrics_calls, 1);

  for (const char* uri : {"/", "/status/", "/metrics?x=1", "/STATUS"}) {
    const StatusReply missing = statusReply(uri, pages);
    EXPECT_EQ(missing.status, 404) << uri;
    EXPECT_EQ(missing.content_type, "application/json");
    EXPECT_EQ(missing.body, R"({"error":"not found; try /status, /metrics or /healthz"})");
  }
}

}  // namespace
}  // namespace punchlink::agent
