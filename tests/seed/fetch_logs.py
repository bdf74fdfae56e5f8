# The guide's "Production Code: Fetch Attendance Logs" (Python), unchanged but for BASE_URL and
# API_KEY.
import os
import requests
API_KEY = os.environ["PUNCHLINK_API_KEY"]
BASE_URL = os.environ["PUNCHLINK_API_URL"] + "/v1"
response = requests.get(
f"{BASE_URL}/logs",
headers={"Authorization": f"Bearer {API_KEY}"},
params={
"start_date": "2026-03-01",
"end_date": "2026-03-27",
"user_id": "EMP_001"
}
)
for log in response.json()["data"]:
    print(f"{log['user_id']} — {log['punch_type']} at {log['timestamp']}")
