#!/usr/bin/env bash
# The guide's device management requests as cURL calls, unchanged but for the base URL and key:
# register a device, check its status, remove it.
set -e
curl -sf -X POST "$PUNCHLINK_API_URL/v1/devices" \
  -H "Authorization: Bearer $PUNCHLINK_API_KEY" -H "Content-Type: application/json" \
  -d '{"serial_number": "AKJD193840129","name": "Main Office Entrance","location": "Building A, Floor 1"}'
echo
curl -sf "$PUNCHLINK_API_URL/v1/devices/AKJD193840129" -H "Authorization: Bearer $PUNCHLINK_API_KEY"
echo
curl -sf -X DELETE "$PUNCHLINK_API_URL/v1/devices/AKJD193840129" \
  -H "Authorization: Bearer $PUNCHLINK_API_KEY"
echo
