#!/usr/bin/env python3
"""End-to-end: the stack users start with the README run command (scripts/run.sh), on free
loopback ports and a temporary state folder, exercised through what users touch: the REST API,
the webhook receiver's log, the emulated terminals' control APIs and the seed guide's samples.

usage: stack_test.py SOURCE_DIR BUILD_DIR RECEIVERS_DIR
(RECEIVERS_DIR: tests/webhooks with its npm packages installed, for the seed's express handler)
"""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SOURCE, BUILD, RECEIVERS = sys.argv[1], sys.argv[2], sys.argv[3]
# The seed guide enrolls on DEVICE_12345; the push terminal takes that serial so its sample runs
# unchanged.
PUSH_SERIAL = "DEVICE_12345"
failures = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def eventually(predicate, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    return predicate()


def http(method, url, body=None, key=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if key:
        request.add_header("Authorization", "Bearer " + key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, json.loads(text) if text else None


def load_env(path):
    env = {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value.strip('"')
    return env


def port_taken(state, output):
    """Whether a start failed because a port picked as free was taken before the stack bound it
    (another test on this machine got there first)."""
    texts = [output]
    for folder, _, files in os.walk(state):
        texts += [open(os.path.join(folder, name), encoding="utf-8", errors="replace").read()
                  for name in files if name.endswith(".log")]
    return any("Address already in use" in text or "address already in use" in text.lower()
               for text in texts)


def main():
    run = os.path.join(SOURCE, "scripts", "run.sh")
    for attempt in range(3):
        state = tempfile.mkdtemp(prefix="punchlink-e2e-")
        env = dict(os.environ)
        env.update({
            "PUNCHLINK_STATE_DIR": state, "PUNCHLINK_BUILD_DIR": BUILD,
            "PUNCHLINK_PUSH_SERIAL": PUSH_SERIAL,
            **{name: str(free_port()) for name in (
                "PUNCHLINK_MQTT_PORT", "PUNCHLINK_ZK_PORT", "PUNCHLINK_RELAY_PORT",
                "PUNCHLINK_AGENT_STATUS_PORT", "PUNCHLINK_AGENT_PUSH_PORT",
                "PUNCHLINK_WEBHOOK_PORT")},
        })
        started = subprocess.run([run, "--detach"], env=env, capture_output=True, text=True,
                                 timeout=300)
        if started.returncode == 0:
            break
        print(started.stdout, started.stderr)
        subprocess.run([run, "stop"], env=env, capture_output=True, text=True, timeout=120)
        if attempt == 2 or not port_taken(state, started.stdout + started.stderr):
            return 1
        print("a port was taken between choosing and binding it; again with other ports")
    try:
        exercise(state, load_env(os.path.join(state, "stack.env")))
        second_run(run, env, state, load_env(os.path.join(state, "stack.env")))
    finally:
        stopped = subprocess.run([run, "stop"], env=env, capture_output=True, text=True,
                                 timeout=120)
        check(stopped.returncode == 0, "scripts/run.sh stop: " + stopped.stdout.strip())
        if failures:
            for log in ("agent.log", "relay.log", "push-terminal.log", "zk-sim.log"):
                path = os.path.join(state, log)
                if os.path.exists(path):
                    print("--- " + log + " (tail)")
                    print("".join(open(path, encoding="utf-8", errors="replace").readlines()[-40:]))
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


def events(stack):
    path = stack["PUNCHLINK_WEBHOOK_LOG"]
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def exercise(state, stack):
    api, key = stack["PUNCHLINK_API_URL"], stack["PUNCHLINK_API_KEY"]
    zk_serial, push_serial = stack["PUNCHLINK_ZKSIM_SERIAL"], stack["PUNCHLINK_PUSH_SERIAL"]
    zk_control, push_control = stack["PUNCHLINK_ZKSIM_CONTROL_URL"], stack["PUNCHLINK_PUSH_CONTROL_URL"]
    check(push_serial == PUSH_SERIAL, "stack.env names the push terminal")

    # Punches on both terminals, in different zones: UTC (ZK binary) and Europe/Berlin (push).
    http("POST", zk_control + "/punches",
         {"user_id": "1001", "state": 1, "verify": 15, "time": "2026-07-01 09:15:00"})
    http("POST", push_control + "/punches",
         {"user_id": "1002", "state": 0, "verify": 4, "time": "2026-07-01 09:15:00"})
    expected = {zk_serial: ("2026-07-01T09:15:00Z", "CheckOut", "Face"),
                push_serial: ("2026-07-01T07:15:00Z", "CheckIn", "Card")}
    for serial, (utc, kind, method) in expected.items():
        def logged():
            status, page = http("GET", api + "/v1/logs?device_id=%s&start_date=2026-07-01"
                                "&end_date=2026-07-01&limit=10" % serial, key=key)
            return [p for p in page["data"] if p["local_time"] == "2026-07-01 09:15:00"]
        found = eventually(logged, 30)
        check(bool(found) and found[0]["timestamp"] == utc and found[0]["punch_type"] == kind
              and found[0]["method"] == method,
              "GET /v1/logs has %s's punch as %s %s %s: %s" % (serial, utc, kind, method, found))
        hook = eventually(lambda: [e for e in events(stack) if e.get("event") == "attendance.punch"
                                   and e["device"]["id"] == serial
                                   and e["punch"]["timestamp"] == utc], 30)
        check(bool(hook) and hook[0]["punch"]["type"] == kind and hook[0]["punch"]["method"] == method,
              "the webhook receiver verified %s's punch" % serial)

    # The seed guide's samples, unchanged but for base URL and key (tests/seed).
    sample_env = dict(os.environ, PUNCHLINK_API_URL=api, PUNCHLINK_API_KEY=key)
    seed = os.path.join(SOURCE, "tests", "seed")
    for command in (["python3", "fetch_logs.py"], ["node", "fetch_logs.mjs"],
                    ["bash", "fetch_logs.sh"], ["bash", "devices.sh"],
                    ["python3", "enroll_user.py"]):
        done = subprocess.run(command, cwd=seed, env=sample_env, capture_output=True, text=True,
                              timeout=60)
        check(done.returncode == 0 and "Error" not in done.stdout,
              "seed sample %s: %s" % (command[1], (done.stdout + done.stderr).strip()[:200]))
    # enroll_user.py put EMP_001 with two fingerprints on the push terminal.
    user = eventually(lambda: http("GET", push_control + "/users/EMP_001")[1]
                      if http("GET", push_control + "/users/EMP_001")[0] == 200 else None, 60)
    check(bool(user) and user["name"] == "John Doe" and len(user["fingers"]) == 2,
          "the seed enrollment reached the push terminal with 2 templates: %s"
          % (user and {k: user[k] for k in ("name", "templates")}))
    check(bool(eventually(lambda: [e for e in events(stack) if e.get("event") == "user.enrolled"
                                   and e.get("user", {}).get("id") == "EMP_001"], 30)),
          "user.enrolled fired for EMP_001")

    # POST /v1/users with two templates on the ZK binary terminal, then DELETE.
    template = "U1MyMQ" + "A" * 682
    status, body = http("POST", api + "/v1/users", {
        "device_id": zk_serial, "user_id": "E2E_7", "name": "Grace Hopper",
        "templates": [{"type": "fingerprint", "index": 0, "data": template},
                      {"type": "fingerprint", "index": 5, "data": template}]}, key)
    check(status == 201, "POST /v1/users answers 201: %s %s" % (status, body))
    zk_user = eventually(lambda: http("GET", zk_control + "/users/E2E_7")[1]
                         if http("GET", zk_control + "/users/E2E_7")[0] == 200 else None, 30)
    check(bool(zk_user) and len(zk_user["fingers"]) == 2, "E2E_7 is on the ZK terminal with 2 templates")
    check(bool(eventually(lambda: [e for e in events(stack) if e.get("event") == "command.succeeded"
                                   and e.get("command", {}).get("id") == body["command_id"]], 30)),
          "command.succeeded fired for %s" % body["command_id"])
    status, _ = http("DELETE", api + "/v1/users/E2E_7", key=key)
    check(status in (200, 202), "DELETE /v1/users/E2E_7 answers %s" % status)
    check(bool(eventually(lambda: http("GET", zk_control + "/users/E2E_7")[0] == 404, 30)),
          "E2E_7 is gone from the ZK terminal")

    # A batch of 50 users.
    batch = [{"user_id": "B%03d" % i, "name": "Batch %d" % i} for i in range(50)]
    status, body = http("POST", api + "/v1/users/batch", {"device_id": push_serial, "users": batch}, key)
    check(status == 200, "POST /v1/users/batch with 50 users answers 200: %s" % status)
    def batch_on_terminal():
        ids = {u["user_id"] for u in http("GET", push_control + "/state")[1]["users"]}
        return all(u["user_id"] in ids for u in batch)
    check(bool(eventually(batch_on_terminal, 90)), "all 50 batch users reached the push terminal")

    seed_webhook_handler(stack, api, key, zk_control)

    # Device details, then a terminal going away.
    # The counts come with the agent's next status report after the punch above, which a fast
    # webhook can beat: wait for it rather than read once.
    def device_details():
        status, device = http("GET", api + "/v1/devices/" + zk_serial, key=key)
        ok = (status == 200 and device["status"] == "online" and device["users"] >= 20
              and device["logs"] >= 201 and device["storage"].endswith("%"))
        return device if ok else None
    device = eventually(device_details, 60)
    check(device is not None, "GET /v1/devices/%s shows online, users, logs, storage: %s"
          % (zk_serial, device or http("GET", api + "/v1/devices/" + zk_serial, key=key)[1]))
    run_dir = os.path.join(state, "run")
    for name, serial in (("zk-sim", zk_serial), ("push-terminal", push_serial)):
        pid = int(open(os.path.join(run_dir, name + ".pid")).read().split()[0])
        os.kill(pid, signal.SIGTERM)
        check(bool(eventually(lambda: http("GET", api + "/v1/devices/" + serial, key=key)[1]
                              ["status"] == "offline", 60)),
              "%s shows offline once its emulator stops" % serial)
        check(bool(eventually(lambda: [e for e in events(stack) if e.get("event") == "device.offline"
                                       and e["device"]["id"] == serial], 30)),
              "device.offline fired for %s" % serial)


def second_run(run, env, state, first):
    """A second start reuses the state folder: the same tenant and webhook endpoint, which gets a
    new secret when its secret file was lost and the new URL when PUNCHLINK_WEBHOOK_PORT changed."""
    stopped = subprocess.run([run, "stop"], env=env, capture_output=True, text=True, timeout=120)
    check(stopped.returncode == 0, "scripts/run.sh stop before the second run")
    os.remove(first["PUNCHLINK_WEBHOOK_SECRET_FILE"])
    env["PUNCHLINK_WEBHOOK_PORT"] = str(free_port())
    started = subprocess.run([run, "--detach"], env=env, capture_output=True, text=True,
                             timeout=300)
    if not check(started.returncode == 0,
                 "the second run starts" + (": " + started.stderr[-500:] if started.returncode else "")):
        return
    stack = load_env(os.path.join(state, "stack.env"))
    url = "http://127.0.0.1:%s/webhooks/punchlink" % env["PUNCHLINK_WEBHOOK_PORT"]
    check(stack["PUNCHLINK_TENANT_ID"] == first["PUNCHLINK_TENANT_ID"]
          and stack["PUNCHLINK_API_KEY"] == first["PUNCHLINK_API_KEY"],
          "the second run keeps the tenant and API key")
    check(stack["PUNCHLINK_WEBHOOK_ID"] == first["PUNCHLINK_WEBHOOK_ID"]
          and stack["PUNCHLINK_WEBHOOK_URL"] == url
          and stack["PUNCHLINK_WEBHOOK_SECRET"] != first["PUNCHLINK_WEBHOOK_SECRET"],
          "the second run keeps the webhook endpoint, with the new port's URL and a new secret")
    status, listed = http("GET", stack["PUNCHLINK_API_URL"] + "/v1/webhooks",
                          key=stack["PUNCHLINK_API_KEY"])
    demo = [e for e in (listed or {}).get("data", []) if e["description"].startswith("punchlink demo")]
    check(status == 200 and len(demo) == 1 and demo[0]["url"] == url and demo[0]["enabled"],
          "one demo endpoint, at %s: %s" % (url, demo))
    http("POST", stack["PUNCHLINK_ZKSIM_CONTROL_URL"] + "/punches",
         {"user_id": "1005", "state": 0, "verify": 1, "time": "2026-07-03 08:00:00"})
    check(bool(eventually(lambda: [e for e in events(stack) if e.get("event") == "attendance.punch"
                                   and e["punch"]["timestamp"] == "2026-07-03T08:00:00Z"], 30)),
          "the receiver verifies deliveries signed with the new secret")


def seed_webhook_handler(stack, api, key, zk_control):
    """The guide's Node express handler (tests/webhooks/seed_handler.js, verbatim) receives this
    stack's attendance webhooks and accepts their signatures."""
    status, endpoint = http("POST", api + "/v1/webhooks", {
        "url": "http://127.0.0.1:9/webhooks/attendance", "events": ["attendance.punch"],
        "description": "seed express handler"}, key)
    if not check(status == 201, "POST /v1/webhooks for the seed handler: %s %s" % (status, endpoint)):
        return
    record = os.path.join(os.path.dirname(stack["PUNCHLINK_WEBHOOK_LOG"]), "seed-handler.jsonl")
    handler = subprocess.Popen(
        ["node", os.path.join(RECEIVERS, "run_seed_handler.js")], cwd=RECEIVERS,
        env=dict(os.environ, PORT="0", RECORD_FILE=record, WEBHOOK_SECRET=endpoint["secret"]),
        stdout=subprocess.PIPE, text=True)
    try:
        # Bounded: a handler that never starts must fail the check, not hang the test.
        ready = select.select([handler.stdout], [], [], 30)[0]
        line = handler.stdout.readline() if ready else ""
        if not check(line.startswith("listening"), "the seed handler started: %r" % line):
            return
        port = line.split()[-1]
        status, _ = http("PATCH", api + "/v1/webhooks/" + endpoint["id"],
                         {"url": "http://127.0.0.1:%s/webhooks/attendance" % port}, key)
        check(status == 200, "the seed handler's endpoint points at port %s" % port)
        http("POST", zk_control + "/punches",
             {"user_id": "1004", "state": 0, "verify": 1, "time": "2026-07-02 10:00:00"})

        def handled():
            if not os.path.exists(record):
                return []
            lines = [json.loads(line) for line in open(record, encoding="utf-8") if line.strip()]
            return [r for r in lines if r.get("kind") == "request" and r.get("status") == 200]
        check(bool(eventually(handled, 30)),
              "the seed guide's express handler verified and took a delivery")
    finally:
        handler.terminate()
        handler.wait(timeout=10)
        http("DELETE", api + "/v1/webhooks/" + endpoint["id"], key=key)


if __name__ == "__main__":
    sys.exit(main())
