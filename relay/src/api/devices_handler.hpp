// /v1/devices (the tenant's terminals: register, list, show, rename or move, decommission) and
// /v1/events (what terminals report besides punches: doors, alarms, denied access, clock drift,
// missing records).
#pragma once

#include "api/api_types.hpp"
#include "store/device_event_log.hpp"
#include "store/device_registry.hpp"
#include "store/tenants.hpp"

namespace punchlink::relay::api {

struct DevicesApi {
  Tenants& tenants;  // a terminal moves only between the tenant's own sites
  DeviceRegistry& devices;
  DeviceEventLog& events;
};

ApiResponse createDevice(DevicesApi& api, ApiRequest& request);
ApiResponse listDevices(DevicesApi& api, ApiRequest& request);
ApiResponse getDevice(DevicesApi& api, ApiRequest& request);
ApiResponse patchDevice(DevicesApi& api, ApiRequest& request);
ApiResponse deleteDevice(DevicesApi& api, ApiRequest& request);
ApiResponse listEvents(DevicesApi& api, ApiRequest& request);

}  // namespace punchlink::relay::api
