#include "app/agent_report.hpp"

#include <punchlink/common/metrics_writer.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/agent_status.hpp>
#include <punchlink/contract/device_status.hpp>

namespace punchlink::agent {

std::int64_t AgentReport::oldestPendingAgeSeconds(const OutboxStats& stats) const {
  return stats.oldest_pending_ms ? (epochMillis(clock_.now()) - *stats.oldest_pending_ms) / 1000
                                 : 0;
}

std::string AgentReport::statusJson(bool online) const {
  contract::AgentStatus status;
  status.site_id = sources_.site_id;
  status.online = online;
  status.agent_version = sources_.version;
  status.started_at = formatRfc3339(std::chrono::floor<std::chrono::seconds>(sources_.started_at));
  status.broker_connected = sources_.broker != nullptr && sources_.broker->isConnected();
  if (sources_.outbox != nullptr) {
    if (auto stats = sources_.outbox->stats()) {
      contract::OutboxStatus outbox{
          stats->pending, stats->total, stats->size_bytes, sources_.outbox_max_size,
          stats->alarm,   stats->full,  std::nullopt};
      if (stats->oldest_pending_ms) {
        outbox.oldest_pending_age_s = oldestPendingAgeSeconds(*stats);
      }
      status.outbox = outbox;
    }
  }
  if (sources_.uplink != nullptr) {
    const auto stats = sources_.uplink->stats();
    status.uplink = contract::UplinkStatus{stats.batches_sent, stats.punches_sent,
                                           stats.punches_acked, stats.punches_rejected};
  }
  if (sources_.for_each_terminal) {
    sources_.for_each_terminal([&](Terminal& terminal) {
      std::string terminal_status = terminal.statusJson();
      if (terminal_status.empty()) {
        contract::DeviceStatus named;
        named.name = terminal.name();
        terminal_status = contract::encodeDeviceStatus(named);
      }
      status.devices.push_back(std::move(terminal_status));
    });
  }
  return contract::encodeAgentStatus(status);
}

std::string AgentReport::metricsText() const {
  MetricsWriter out;
  out.gauge("punchlink_agent_broker_connected", "1 while the agent is connected to the broker",
            sources_.broker != nullptr && sources_.broker->isConnected() ? 1 : 0);
  if (sources_.outbox != nullptr) {
    if (auto stats = sources_.outbox->stats()) {
      out.gauge("punchlink_agent_outbox_pending", "Punches not yet acknowledged by the relay",
                stats->pending);
      out.gauge("punchlink_agent_outbox_rows", "Rows in the outbox (pending and retained)",
                stats->total);
      out.gauge("punchlink_agent_outbox_size_bytes", "Size of the outbox database",
                static_cast<std::int64_t>(stats->size_bytes));
      out.gauge("punchlink_agent_outbox_oldest_pending_age_seconds",
                "Age of the oldest unacknowledged punch (0 when none)",
                oldestPendingAgeSeconds(*stats));
      out.gauge("punchlink_agent_outbox_alarm", "1 when the outbox is above its alarm size",
                stats->alarm ? 1 : 0);
    }
  }
  if (sources_.uplink != nullptr) {
    const auto stats = sources_.uplink->stats();
    out.counter("punchlink_agent_batches_sent_total", "Punch batches published",
                stats.batches_sent);
    out.counter("punchlink_agent_punches_sent_total", "Punches published (resends included)",
                stats.punches_sent);
    out.counter("punchlink_agent_punches_acked_total", "Punches the relay acknowledged",
                stats.punches_acked);
    out.counter("punchlink_agent_punches_rejected_total", "Punches the relay rejected",
                stats.punches_rejected);
  }
  std::int64_t online = 0;
  std::int64_t terminals = 0;
  if (sources_.for_each_terminal) {
    sources_.for_each_terminal([&](Terminal& terminal) {
      online += terminal.online() ? 1 : 0;
      ++terminals;
    });
  }
  out.gauge("punchlink_agent_devices", "Terminals configured (and push terminals discovered)",
            terminals);
  out.gauge("punchlink_agent_devices_online", "Terminals currently reachable", online);
  return out.text();
}

}  // namespace punchlink::agent
