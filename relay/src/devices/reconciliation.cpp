#include "devices/reconciliation.hpp"

#include <punchlink/common/units.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace punchlink::relay::devices {

namespace {

constexpr std::chrono::minutes kClockSkewAllowed{5};

}  // namespace

Result<std::optional<Reconciliation>> reconcile(PunchLedger& punches,
                                                const std::string& tenant_id,
                                                const contract::DeviceStatus& status,
                                                UtcMillis now) {
  if (!status.logs || status.serial.empty()) {
    return std::optional<Reconciliation>{};
  }
  // Without the log's span (push terminals do not tell it), every stored punch of the terminal
  // counts: a cleared terminal then looks complete, never incomplete.
  auto held =
      punches.countDevicePunches(tenant_id, status.serial, status.log_oldest, status.log_newest);
  if (!held) {
    return held.error();
  }
  Reconciliation out;
  out.terminal_records = *status.logs;
  out.relay_records = *held;
  out.missing = std::max<std::int64_t>(0, out.terminal_records - out.relay_records);
  out.checked_at = !status.log_checked_at.empty()
                       ? status.log_checked_at
                       : formatRfc3339(std::chrono::floor<std::chrono::seconds>(now));
  return std::optional<Reconciliation>(out);
}

std::string reconciliationJson(const Reconciliation& reconciliation) {
  return nlohmann::ordered_json{{"terminal_records", reconciliation.terminal_records},
                                {"relay_records", reconciliation.relay_records},
                                {"missing", reconciliation.missing},
                                {"checked_at", reconciliation.checked_at}}
      .dump();
}

std::optional<Reconciliation> parseReconciliation(std::string_view json) {
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_object()) {
    return std::nullopt;
  }
  const auto integer = [&](const char* key) -> std::optional<std::int64_t> {
    const auto found = parsed.find(key);
    if (found == parsed.end() || !found->is_number_integer()) {
      return std::nullopt;
    }
    return found->get<std::int64_t>();
  };
  const auto terminal = integer("terminal_records");
  const auto relay = integer("relay_records");
  const auto missing = integer("missing");
  const auto checked = parsed.find("checked_at");
  if (!terminal || !relay || !missing || checked == parsed.end() || !checked->is_string()) {
    return std::nullopt;
  }
  return Reconciliation{*terminal, *relay, *missing, checked->get<std::string>()};
}

std::optional<std::string> clearRefusal(const std::optional<Reconciliation>& reconciliation,
                                        UtcMillis now,
                                        std::chrono::milliseconds max_age) {
  if (!reconciliation) {
    return std::string(
        "the terminal has not reported how many records it holds yet, so nothing shows the relay "
        "has them all; wait for its agent's next status and try again");
  }
  if (reconciliation->missing > 0) {
    return "the relay lacks " + std::to_string(reconciliation->missing) + " of the terminal's " +
           std::to_string(reconciliation->terminal_records) +
           " records; send read_log for the dates they are from, then try again";
  }
  const auto checked = parseRfc3339(reconciliation->checked_at);
  // An agent's clock ahead of the relay's would keep an old comparison fresh for ever.
  if (checked && *checked - now > kClockSkewAllowed) {
    return "the last comparison of records (" + reconciliation->checked_at +
           ") is later than the relay's clock; set the site agent's clock right (NTP) and wait "
           "for the terminal's next status";
  }
  if (!checked || now - *checked > max_age) {
    return "the last comparison of records (" + reconciliation->checked_at + ") is older than " +
           formatDuration(max_age) + "; wait for the terminal's next status and try again";
  }
  return std::nullopt;
}

}  // namespace punchlink::relay::devices
