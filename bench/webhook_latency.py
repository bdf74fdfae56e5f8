#!/usr/bin/env python3
"""End-to-end webhook latency: zk-sim punch -> agent -> MQTT -> relay -> attendance.punch webhook.

Started by bench/webhook-latency.sh once the stack runs. Runs an HTTP receiver, registers it as
the tenant's webhook, waits until a warm-up punch comes through, then injects punches through
zk-sim's control API at a steady rate, each with its own user id, and matches every webhook to
its injection by user.id. Latency is arrival (receiver) minus injection (before the control API
call), both time.monotonic() in this process. Python 3 standard library only.

Exit status: 0 when every webhook arrived (whether or not the latency target is met), 1 when
any is still missing after the grace period, 2 for a setup failure.
"""

import argparse
import http.client
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TARGET_P99_MS = 50.0
GRACE_S = 30.0
USER_BASE = 500000  # measured punches use user ids 500000, 500001, ...
WARMUP_BASE = 900000  # warm-up punches use 900000, ...


def log(msg):
    print(f"webhook-latency: {msg}", file=sys.stderr, flush=True)


class SetupError(Exception):
    """The stack is not usable; reported with exit status 2 (1 is kept for lost webhooks)."""


class Arrivals:
    """Webhook arrivals by user id: the first arrival counts, later ones are duplicates."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.first = {}  # user id -> monotonic arrival
        self.duplicates = 0
        self.bad = 0  # not JSON, no user.id, or X-Event-Id differing from event_id

    def record(self, user_id, at):
        with self.cond:
            if user_id in self.first:
                self.duplicates += 1
            else:
                self.first[user_id] = at
            self.cond.notify_all()

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.first):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True


def make_handler(arrivals):
    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the relay's client uses

        def setup(self):
            super().setup()
            # The answer goes out in one write without Nagle's delay, so the receiver adds no
            # 40 ms delayed-ACK stall of its own to what is measured.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):
            at = time.monotonic()  # request line and headers read
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                event = json.loads(body)
                user_id = str(event["user"]["id"])
                header_id = self.headers.get("X-Event-Id")
                if header_id is not None and header_id != event.get("event_id"):
                    raise ValueError("X-Event-Id differs from event_id")
            except (ValueError, KeyError, TypeError):
                with arrivals.lock:
                    arrivals.bad += 1
                user_id = None
            if user_id is not None and event.get("event") in (None, "attendance.punch"):
                arrivals.record(user_id, at)
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: 2\r\n\r\nok")

        def log_message(self, *args):
            pass

    return Receiver


def http_json(method, url, body=None, headers=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read()
        return response.status, (json.loads(text) if text else None)


def http_text(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


class SimInjector:
    """POST /punches on zk-sim's control API over one kept-alive connection."""

    def __init__(self, sim_url):
        hostport = sim_url.split("://", 1)[1].rstrip("/")
        host, port = hostport.rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.conn = None
        self.reconnects = 0

    def punch(self, user_id):
        body = json.dumps({"user_id": user_id, "state": 0, "verify": 1})
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            try:
                self.conn.request("POST", "/punches", body, {"Content-Type": "application/json"})
                response = self.conn.getresponse()
                text = response.read()
                if response.status != 201:
                    raise RuntimeError(f"zk-sim answered {response.status}: {text[:200]!r}")
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return
            except (ConnectionError, http.client.HTTPException, OSError):
                # A kept-alive connection the sim closed meanwhile; one retry on a fresh one.
                self.conn.close()
                self.conn = None
                self.reconnects += 1
                if attempt == 1:
                    raise


def wait_until(what, check, timeout):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, ValueError, urllib.error.URLError) as error:
            last_error = error
        time.sleep(0.1)
    raise SetupError(f"timed out waiting for {what}" +
                     (f" (last error: {last_error})" if last_error else ""))


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


def metrics_values(relay_url):
    values = {}
    try:
        for line in http_text(relay_url + "/metrics").splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
    except (OSError, ValueError, urllib.error.URLError):
        pass
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--punches", type=int, default=1000, help="punches to inject (1000)")
    parser.add_argument("--rate", type=float, default=50.0, help="punches per second (50)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="extra warm-up punches after the first one, not measured (10)")
    parser.add_argument("--warmup-timeout", type=float, default=30.0,
                        help="seconds to wait for the first warm-up webhook (30)")
    parser.add_argument("--relay-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--sim-url", required=True, help="zk-sim control API base URL")
    parser.add_argument("--agent-status-url", help="agent /status URL (optional)")
    parser.add_argument("--csv", help="write user_id,sent_unix,latency_ms per punch to this file")
    args = parser.parse_args()
    if args.punches < 1 or args.rate <= 0:
        parser.error("--punches must be at least 1 and --rate more than 0")

    arrivals = Arrivals()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(arrivals))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    auth = {"Authorization": f"Bearer {args.api_key}"}

    # The relay connected to the broker, the agent connected to the broker and the terminal.
    wait_until("relay /healthz broker_connected",
               lambda: http_json("GET", args.relay_url + "/healthz")[1].get("broker_connected"),
               20)
    if args.agent_status_url:
        def agent_ready():
            status = http_json("GET", args.agent_status_url)[1]
            devices = status.get("devices") or []
            online = all(d.get("online") for d in devices) if isinstance(devices, list) else True
            return status.get("broker_connected") and online
        try:
            wait_until("the agent (broker and terminal connected)", agent_ready, 20)
        except SetupError as error:
            log(f"{error}; relying on the warm-up punch instead")

    status, created = http_json("POST", args.relay_url + "/v1/webhooks",
                                {"url": hook_url, "events": ["attendance.punch"]}, auth)
    if status != 201 or not created.get("secret"):
        raise SetupError(f"POST /v1/webhooks answered {status}: {created}")
    log(f"receiver {hook_url} registered as webhook {created.get('id', '?')}")

    injector = SimInjector(args.sim_url)

    # Warm-up: the first punch proves the whole path (if the agent connects to the terminal
    # after it, its connect-time log read still forwards it). Re-injected with a new id every 5 s.
    deadline = time.monotonic() + args.warmup_timeout
    warm = WARMUP_BASE
    started = time.monotonic()
    while True:
        uid = str(warm)
        injector.punch(uid)
        if arrivals.wait_for(lambda seen: any(int(k) >= WARMUP_BASE for k in seen),
                             min(5.0, max(0.0, deadline - time.monotonic()))):
            break
        warm += 1
        if time.monotonic() >= deadline:
            raise SetupError(f"no warm-up webhook within {args.warmup_timeout:.0f} s; "
                             "is the agent connected to zk-sim?")
    log(f"warm-up webhook arrived {1000 * (time.monotonic() - started):.0f} ms after injection")
    for _ in range(args.warmup):
        warm += 1
        injector.punch(str(warm))
        time.sleep(1.0 / args.rate)
    last_warm = str(warm)
    arrivals.wait_for(lambda seen: last_warm in seen, 10)
    before = metrics_values(args.relay_url)

    # Measured run: one punch at a time on a fixed schedule (no catch-up bursts beyond "late").
    log(f"injecting {args.punches} punches at {args.rate:g}/s")
    sent = {}  # user id -> monotonic injection time
    wall_offset = time.time() - time.monotonic()  # for --csv: wall time to match with logs
    call_ms = []  # duration of each control API call
    interval = 1.0 / args.rate
    t0 = time.monotonic()
    for i in range(args.punches):
        due = t0 + i * interval
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        uid = str(USER_BASE + i)
        sent[uid] = time.monotonic()
        injector.punch(uid)
        call_ms.append(1000 * (time.monotonic() - sent[uid]))
    send_duration = time.monotonic() - t0

    complete = arrivals.wait_for(lambda seen: all(u in seen for u in sent), GRACE_S)
    with arrivals.lock:
        got = {u: arrivals.first[u] for u in sent if u in arrivals.first}
        duplicates, bad = arrivals.duplicates, arrivals.bad
    after = metrics_values(args.relay_url)
    server.shutdown()

    if args.csv:
        with open(args.csv, "w", encoding="utf-8") as out:
            out.write("user_id,sent_unix,latency_ms\n")
            for u, at in sent.items():
                latency = f"{1000 * (got[u] - at):.3f}" if u in got else ""
                out.write(f"{u},{at + wall_offset:.6f},{latency}\n")
    latencies = sorted(1000 * (got[u] - sent[u]) for u in got)
    lost = len(sent) - len(got)
    p = {q: percentile(latencies, q) for q in (50, 90, 99)}
    worst = latencies[-1] if latencies else float("nan")
    call_ms.sort()

    print(f"end-to-end webhook latency: zk-sim punch -> agent -> mosquitto (mqtt://, loopback) "
          f"-> relay -> webhook")
    print(f"sent        {len(sent)}   ({len(sent) / send_duration:.1f}/s achieved, "
          f"{args.rate:g}/s asked)")
    print(f"received    {len(got)}")
    print(f"lost        {lost}" + ("" if complete else f"   (after a {GRACE_S:.0f} s grace period)"))
    if duplicates or bad:
        print(f"duplicates  {duplicates}   malformed {bad}")
    if latencies:
        print(f"latency ms  min {latencies[0]:.1f}   p50 {p[50]:.1f}   p90 {p[90]:.1f}   "
              f"p99 {p[99]:.1f}   max {worst:.1f}   mean {sum(latencies) / len(latencies):.1f}")
    print(f"inject call ms (zk-sim control API, included above)  p50 "
          f"{percentile(call_ms, 50):.1f}   p99 {percentile(call_ms, 99):.1f}")
    attempts = after.get("punchlink_relay_webhook_attempts_total", 0) - before.get(
        "punchlink_relay_webhook_attempts_total", 0)
    if attempts > 0:
        attempt_ms = (after.get("punchlink_relay_webhook_attempt_latency_ms_total", 0) -
                      before.get("punchlink_relay_webhook_attempt_latency_ms_total", 0)) / attempts
        retries = after.get("punchlink_relay_webhook_retries_total", 0) - before.get(
            "punchlink_relay_webhook_retries_total", 0)
        batches = after.get("punchlink_relay_ingest_batches_total", 0) - before.get(
            "punchlink_relay_ingest_batches_total", 0)
        print(f"relay       {batches:.0f} ingest batches ({len(sent) / max(batches, 1):.2f} "
              f"punches/batch), {attempts:.0f} webhook attempts, {retries:.0f} retries, "
              f"mean attempt {attempt_ms:.1f} ms")
    met = bool(latencies) and lost == 0 and p[99] < TARGET_P99_MS
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: {'met' if met else 'NOT met'}")
    if lost:
        missing = [u for u in sent if u not in got]
        print(f"missing user ids (first 10): {', '.join(missing[:10])}")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (SetupError, RuntimeError, OSError, urllib.error.URLError) as failure:
        log(f"error: {failure}")
        sys.exit(2)
