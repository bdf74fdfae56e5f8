// Terminals, always within one tenant: a serial is unique per tenant, so two tenants may each
// have a terminal of the same serial and neither can see, block or take the other's.
// DeviceRegistry is the tenant's view for the REST API; DeviceSightings is what the tenant's
// sites report (ingest), with the policy of what may change left to the caller.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

// What PATCH /v1/devices/{serial} changes; unset fields stay.
struct DeviceChanges {
  std::optional<std::string> name;
  std::optional<std::string> location;
  // The site the terminal belongs to (commands go there; other sites' reports of it are
  // refused): a site id (of the tenant's: the caller checks) assigns it, "" forgets it so the
  // next site whose agent reports it takes it.
  std::optional<std::string> site_id;
};

class DeviceRegistry {
 public:
  virtual ~DeviceRegistry() = default;
  // A new device, or a pending one (seen in punches) of this tenant made registered. Conflict
  // if this tenant has registered the serial already (another tenant's devices do not count).
  virtual Result<Device> registerDevice(const std::string& tenant_id,
                                        const std::string& serial,
                                        const std::string& name,
                                        const std::string& location) = 0;
  virtual Result<std::vector<Device>> listDevices(const std::string& tenant_id) = 0;
  virtual Result<std::optional<Device>> findDevice(const std::string& tenant_id,
                                                   const std::string& serial) = 0;
  virtual Result<Device> updateDevice(const std::string& tenant_id,
                                      const std::string& serial,
                                      const DeviceChanges& changes) = 0;
  virtual Status deleteDevice(const std::string& tenant_id, const std::string& serial) = 0;
};

class DeviceSightings {
 public:
  virtual ~DeviceSightings() = default;
  // The tenant's terminal of this serial, if it has one. `for_update`: inside a transaction,
  // held against other relay nodes until it ends (PostgreSQL row lock).
  virtual Result<std::optional<DeviceState>> find(const std::string& tenant_id,
                                                  const std::string& serial,
                                                  bool for_update = false) = 0;
  // Registers a terminal the tenant of `site` does not have as pending; false if it existed
  // (another node may have registered it a moment ago).
  virtual Result<bool> addPending(const Site& site,
                                  const std::string& serial,
                                  const std::string& name,
                                  UtcMillis now) = 0;
  // Records a status report for a terminal of `site`'s tenant (creating it as pending when
  // new): status, online, last seen; the site only if the device has none yet (a terminal
  // stays with the site that first reported it until released); `name` only if it has none.
  virtual Status recordStatus(const Site& site,
                              const std::string& serial,
                              const std::string& status_json,
                              const std::string& name,
                              bool online,
                              UtcMillis now) = 0;
  // The terminal's last comparison of records and its gap; empty when never compared.
  virtual Result<RecordGap> recordGap(const std::string& tenant_id, const std::string& serial) = 0;
  virtual Status storeRecordGap(const std::string& tenant_id,
                                const std::string& serial,
                                const RecordGap& gap) = 0;
  // Serials of `site`'s terminals that are online.
  virtual Result<std::vector<std::string>> onlineAtSite(const Site& site) = 0;
  // Marks a terminal offline; false if it was offline already (another node did it).
  virtual Result<bool> markOffline(const std::string& tenant_id, const std::string& serial) = 0;
};

}  // namespace punchlink::relay
