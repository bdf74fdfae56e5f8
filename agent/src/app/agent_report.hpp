// AgentReport: what the agent says about itself: the status document (published retained on
// the site's status topic and served at /status) and the Prometheus text of /metrics, from the
// parts that know each figure. Reads only; thread-safe as the parts are.
#pragma once

#include "outbox/outbox.hpp"
#include "terminals/terminal.hpp"
#include "uplink/uplink.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/publisher.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace punchlink::agent {

struct ReportSources {
  std::string site_id;
  std::string version;
  std::uint64_t outbox_max_size = 0;
  std::chrono::system_clock::time_point started_at;
  // Any of these may be missing (before start, after stop).
  Outbox* outbox = nullptr;
  Uplink* uplink = nullptr;
  mqtt_client::Publisher* broker = nullptr;
  std::function<void(const std::function<void(Terminal&)>&)> for_each_terminal;
};

class AgentReport {
 public:
  AgentReport(ReportSources sources, const Clock& clock)
      : sources_(std::move(sources)), clock_(clock) {}

  // The status document (docs/mqtt-contract.md "status"); `online` false for a clean shutdown.
  std::string statusJson(bool online) const;
  std::string metricsText() const;

 private:
  std::int64_t oldestPendingAgeSeconds(const OutboxStats& stats) const;

  ReportSources sources_;
  const Clock& clock_;
};

}  // namespace punchlink::agent
