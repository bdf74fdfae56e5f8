# The guide's "Python Example: Remote Fingerprint Enrollment", unchanged but for API_KEY and
# BASE_URL. The guide leaves capturing to the reader's scanner SDK; these two stand-ins return
# fixed template bytes (the second already base64, as the guide's call site uses it).
import os


def capture_fingerprint_from_scanner():
    return bytes(range(256)) * 4


def capture_backup_finger():
    import base64 as _b64
    return _b64.b64encode(b"SS21" + bytes(500)).decode("utf-8")


import requests, base64
API_KEY = os.environ["PUNCHLINK_API_KEY"]
BASE_URL = os.environ["PUNCHLINK_API_URL"] + "/v1"
# Capture from local scanner (your scanner SDK provides raw bytes)
fingerprint_bytes = capture_fingerprint_from_scanner()
template_b64 = base64.b64encode(fingerprint_bytes).decode('utf-8')
response = requests.post(f"{BASE_URL}/users",headers={"Authorization": f"Bearer {API_KEY}","Content-Type": "application/json"},json={"device_id": "DEVICE_12345","user_id": "EMP_001","name": "John Doe","department": "Engineering","templates": [{"type": "fingerprint", "data": template_b64, "index": 0},{"type": "fingerprint", "data": capture_backup_finger(), "index": 1}]})
if response.status_code == 201:
    print(f"✓ User {response.json()['user_id']} enrolled")
else:
    print(f"✗ Error: {response.json()['error']}")
