#!/usr/bin/env python3
"""The local demo's webhook receiver: what scripts/run.sh points the relay's webhooks at.

It listens on 127.0.0.1 and, for every POST, checks BOTH signatures the relay sends
(docs/webhooks.md "Request headers and verification"):

  - X-Signature: lowercase hex HMAC-SHA256 of the raw body, keyed with the secret string
    ("whsec_...") as given (X-Signature-Previous, sent during a rotation overlap, is accepted too);
  - Standard Webhooks: one "v1,<base64>" entry of webhook-signature must be the HMAC-SHA256 of
    "<webhook-id>.<webhook-timestamp>.<body>" keyed with the base64-decoded part of the secret
    after "whsec_", and webhook-timestamp must be within 5 minutes of now.

Valid: 200, one readable line on stdout, and the event (the body as received, one JSON line)
appended to the log file; an event id already logged is answered 200 and not logged again
(delivery is at least once). Invalid: 401 and a "rejected" line. No secret yet: 503 with
Retry-After, so the relay tries again.

The secret comes from --secret-file (re-read whenever the file changes, so it may be written after
the receiver is up, or replaced after a rotation; one secret per line, any of them verifies) or
from the environment (PUNCHLINK_WEBHOOK_SECRET). Python 3 standard library only.

usage: demo_receiver.py [--port P] [--secret-file FILE] [--log FILE] [--tolerance SECONDS]
  --port         default $PUNCHLINK_WEBHOOK_PORT or 8090 (0 = any free port)
  --secret-file  default $PUNCHLINK_WEBHOOK_SECRET_FILE
  --log          default $PUNCHLINK_WEBHOOK_LOG or webhooks.jsonl
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20


class Secrets:
    """The known secrets: from a file (re-read when it changes) or a fixed value."""

    def __init__(self, path, fixed):
        self._path = path
        self._fixed = [fixed] if fixed else []
        self._stamp = None
        self._from_file = []
        self._lock = threading.Lock()

    def current(self):
        if not self._path:
            return list(self._fixed)
        with self._lock:
            try:
                st = os.stat(self._path)
                stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
                if stamp != self._stamp:
                    with open(self._path, encoding="utf-8") as f:
                        self._from_file = [line.strip() for line in f if line.strip()]
                    self._stamp = stamp
            except FileNotFoundError:
                self._from_file, self._stamp = [], None
            return self._from_file or list(self._fixed)


def verify_x_signature(body, headers, secrets):
    given = [h.strip() for h in (headers.get("X-Signature"), headers.get("X-Signature-Previous"))
             if h]
    if not given:
        return "no X-Signature header"
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, g) for g in given):
            return None
    return "X-Signature does not match"


def standard_key(secret):
    part = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(part, validate=True)
    except (binascii.Error, ValueError):
        return None


def verify_standard(body, headers, secrets, tolerance, now):
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signature = headers.get("webhook-signature")
    if not msg_id or not stamp or not signature:
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    try:
        sent = int(stamp)
    except ValueError:
        return "webhook-timestamp is not a number"
    if abs(now - sent) > tolerance:
        return "webhook-timestamp is %+d s from now (tolerance %d s)" % (sent - now, tolerance)
    signed = msg_id.encode("utf-8") + b"." + stamp.encode("utf-8") + b"." + body
    given = [entry.split(",", 1)[1] for entry in signature.split()
             if entry.startswith("v1,")]
    if not given:
        return "webhook-signature has no v1 entry"
    for secret in secrets:
        key = standard_key(secret)
        if key is None:
            continue
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        if any(hmac.compare_digest(expected, g) for g in given):
            return None
    return "webhook-signature does not match"


def describe(event):
    """One readable line: time, event type, device, user, punch type and method."""
    kind = event.get("event", "?")
    punch = event.get("punch") or {}
    when = punch.get("timestamp") or event.get("timestamp", "?")
    parts = [when, "%-17s" % kind]
    device = event.get("device") or {}
    command = event.get("command") or {}
    device_id = device.get("id") or command.get("device_id")
    if device_id:
        name = device.get("name")
        parts.append("device %s%s" % (device_id, " (%s)" % name if name else ""))
    user = event.get("user") or {}
    user_id = user.get("id") or command.get("user_id")
    if user_id:
        name = user.get("name")
        parts.append("user %s%s" % (user_id, " (%s)" % name if name else ""))
    if punch:
        parts.append(" ".join(str(x) for x in (punch.get("type"), punch.get("method")) if x)
                     or "punch")
    if command:
        parts.append("command %s %s%s" % (command.get("type", "?"), command.get("status", "?"),
                                          ": %s" % command["error"] if command.get("error")
                                          else ""))
    return "  ".join(parts)


class Receiver:
    def __init__(self, secrets, log_path, tolerance):
        self.secrets = secrets
        self.tolerance = tolerance
        self.log_path = log_path
        self.lock = threading.Lock()
        self.seen = set()
        self.received = 0
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8") as f:
                for line in f:
                    try:
                        self.seen.add(json.loads(line).get("event_id"))
                    except (ValueError, AttributeError):
                        pass
        self.log = open(log_path, "a", encoding="utf-8")

    def accept(self, body_text, event):
        """Logs a verified event unless its id was logged already; True if it was new."""
        event_id = event.get("event_id")
        with self.lock:
            self.received += 1
            if event_id in self.seen:
                return False
            self.seen.add(event_id)
            self.log.write(body_text.replace("\n", " ") + "\n")
            self.log.flush()
            return True


def say(text):
    print(text, flush=True)


def make_handler(receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "punchlink-demo-receiver/1"
        sys_version = ""

        def log_message(self, format, *args):  # the event lines are the log
            pass

        def _answer(self, status, obj, extra=None):
            payload = json.dumps(obj).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self._answer(200, {"status": "ok", "received": receiver.received,
                               "logged": len(receiver.seen), "log": receiver.log_path})

        def do_POST(self):
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self.close_connection = True
                self._answer(411, {"error": "Content-Length required"})
                return
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                self._answer(413, {"error": "body too large"})
                return
            body = self.rfile.read(length)
            secrets = receiver.secrets.current()
            if not secrets:
                say("not ready: no webhook secret yet; asked the relay to retry")
                self._answer(503, {"error": "no secret configured yet"}, {"Retry-After": "2"})
                return
            problem = (verify_x_signature(body, self.headers, secrets)
                       or verify_standard(body, self.headers, secrets, receiver.tolerance,
                                          int(time.time())))
            event = None
            if problem is None:
                try:
                    body_text = body.decode("utf-8")
                    event = json.loads(body_text)
                    if not isinstance(event, dict):
                        raise ValueError("not an object")
                except ValueError as error:
                    problem = "signed body is not a JSON object: %s" % error
            if problem is not None:
                say("rejected  %s  (%s)" % (self.headers.get("X-Event-Id", "?"), problem))
                self._answer(401, {"error": "invalid signature", "detail": problem})
                return
            if receiver.accept(body_text, event):
                say(describe(event))
            else:
                say("duplicate %s (already logged, answered 200)" % event.get("event_id"))
            self._answer(200, {"status": "received"})

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description="punchlink demo webhook receiver")
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("PUNCHLINK_WEBHOOK_PORT", "8090")))
    parser.add_argument("--secret-file", default=os.environ.get("PUNCHLINK_WEBHOOK_SECRET_FILE"))
    parser.add_argument("--log", default=os.environ.get("PUNCHLINK_WEBHOOK_LOG", "webhooks.jsonl"))
    parser.add_argument("--tolerance", type=int, default=300,
                        help="webhook-timestamp tolerance in seconds (default 300)")
    args = parser.parse_args()
    secrets = Secrets(args.secret_file, os.environ.get("PUNCHLINK_WEBHOOK_SECRET"))
    receiver = Receiver(secrets, args.log, args.tolerance)
    httpd = Server(("127.0.0.1", args.port), make_handler(receiver))

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # run.sh's children ignore it
        signal.signal(signal.SIGINT, stop)
    say("demo receiver listening on http://127.0.0.1:%d/ (events -> %s)"
        % (httpd.server_address[1], args.log))
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        receiver.log.close()


if __name__ == "__main__":
    main()
