// Does the relay hold every record a terminal holds? The terminal's record count (its last
// status, with the oldest and newest record when the protocol tells them) against the punches the
// relay stored for it within the same span of the terminal's clock. Status ingest keeps the
// result with the device (and raises device.records_missing when a gap persists); the API shows
// it and refuses clear_attendance while records are missing.
#pragma once

#include "store/punch_ledger.hpp"

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/device_status.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace punchlink::relay::devices {

struct Reconciliation {
  std::int64_t terminal_records = 0;
  std::int64_t relay_records = 0;
  std::int64_t missing = 0;  // terminal_records - relay_records, never below 0
  std::string checked_at;    // RFC 3339: when the terminal's count was read
};

// nullopt when the status has no record count (the terminal has not told it yet). `now` stands in
// for the check time when the status does not say when its log was read.
Result<std::optional<Reconciliation>> reconcile(PunchLedger& punches,
                                                const std::string& tenant_id,
                                                const contract::DeviceStatus& status,
                                                UtcMillis now);

// As kept with the device and shown by GET /v1/devices/{serial}: compact JSON.
std::string reconciliationJson(const Reconciliation& reconciliation);
std::optional<Reconciliation> parseReconciliation(std::string_view json);

// Why clear_attendance must wait, or nullopt when the relay holds every record the terminal held
// at a check no older than `max_age`.
std::optional<std::string> clearRefusal(const std::optional<Reconciliation>& reconciliation,
                                        UtcMillis now,
                                        std::chrono::milliseconds max_age);

}  // namespace punchlink::relay::devices
