#!/usr/bin/env bash
# The guide's cURL example for logs, unchanged but for the base URL and key.
curl -X GET "$PUNCHLINK_API_URL/v1/logs?start_date=2026-03-01&end_date=2026-03-27" \
-H "Authorization: Bearer $PUNCHLINK_API_KEY"
