#!/usr/bin/env python3
"""Webhook receiver built around the guide's Python `verify_webhook` (section "3. HMAC Signatures").

The block between the BEGIN/END markers is the guide's code VERBATIM, only re-split into lines
(the guide's text lost its line breaks). Everything else is the minimal HTTP glue the guide
implies: `if not verify_webhook(request.body, request.headers['X-Signature'], WEBHOOK_SECRET):
return {"error": "Invalid signature"}, 401`.

Env: PORT (required; 0 = any free port), RECORD_FILE (required), WEBHOOK_SECRET (required).
Any path, POST: 200 {"status":"received"} / 401 {"error":"Invalid signature"}.
  - missing X-Signature header or non-ASCII signature -> verify_webhook raises TypeError -> 500
    (what a web framework would answer for an exception in the handler);
  - body not valid UTF-8 -> 400; neither Content-Length nor chunked body -> 411.
Other methods -> 405. HTTP/1.1 keep-alive; every response carries Content-Length.
One record line per request, written BEFORE the response is sent:
  {"kind":"request","status":..,"verified":bool,"event_id":..[,"error":..]}
Stdout: "listening <port>" once the socket is bound.  Python 3 stdlib only.
"""

# ---- BEGIN verbatim from the guide ---------------------------------------------------------------
import hmac, hashlib
def verify_webhook(payload: str, signature: str, secret: str) -> bool:
    """Verify HMAC-SHA256 signature on incoming webhook."""
    expected = hmac.new(key=secret.encode(),msg=payload.encode(),digestmod=hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
# ---- END verbatim from the guide -----------------------------------------------------------------

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _require_env(name):
    value = os.environ.get(name)
    if not value:
        sys.stderr.write("seed_verify_receiver: environment variable %s is required\n" % name)
        sys.exit(2)
    return value


_record_lock = threading.Lock()
_record_file = None


def record(obj):
    line = json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n"
    with _record_lock:
        _record_file.write(line)
        _record_file.flush()


def _event_id_of(text):
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if isinstance(body, dict):
        return body.get("event_id")
    return None


class _BadRequest(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "seed-verify-receiver/1"
    sys_version = ""

    def log_message(self, format, *args):  # quiet
        pass

    def _send_json(self, status, obj, close=False):
        payload = json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                raise _BadRequest(400, "bad Content-Length")
            if n < 0:
                raise _BadRequest(400, "bad Content-Length")
            data = self.rfile.read(n)
            if len(data) != n:
                raise _BadRequest(400, "body shorter than Content-Length")
            return data
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                try:
                    size = int(size_line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise _BadRequest(400, "bad chunk size")
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunk = self.rfile.read(size)
                if len(chunk) != size:
                    raise _BadRequest(400, "truncated chunk")
                chunks.append(chunk)
                self.rfile.readline(65537)  # CRLF after chunk
        if self.command in ("POST", "PUT", "PATCH"):
            raise _BadRequest(411, "Content-Length required")
        return b""

    def do_POST(self):
        try:
            raw = self._read_body()
        except _BadRequest as e:
            record({"kind": "request", "status": e.status, "verified": False, "event_id": None,
                    "error": str(e)})
            self._send_json(e.status, {"error": str(e)}, close=True)
            return
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            record({"kind": "request", "status": 400, "verified": False, "event_id": None,
                    "error": "body is not valid UTF-8"})
            self._send_json(400, {"error": "body is not valid UTF-8"})
            return
        event_id = _event_id_of(body)
        try:
            verified = verify_webhook(body, self.headers['X-Signature'], os.environ['WEBHOOK_SECRET'])
        except Exception as e:  # e.g. TypeError for a missing header: a framework would answer 500
            record({"kind": "request", "status": 500, "verified": False, "event_id": event_id,
                    "error": "%s: %s" % (type(e).__name__, e)})
            self._send_json(500, {"error": "Internal Server Error"})
            return
        if not verified:
            record({"kind": "request", "status": 401, "verified": False, "event_id": event_id})
            self._send_json(401, {"error": "Invalid signature"})
            return
        record({"kind": "request", "status": 200, "verified": True, "event_id": event_id})
        self._send_json(200, {"status": "received"})

    def _not_allowed(self):
        try:
            self._read_body()
        except _BadRequest:
            self.close_connection = True
        record({"kind": "request", "status": 405, "verified": False, "event_id": None,
                "error": "method %s not allowed" % self.command})
        self.send_response(405)
        self.send_header("Allow", "POST")
        payload = b'{"error": "Method not allowed"}'
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    do_GET = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _not_allowed


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global _record_file
    port_text = _require_env("PORT")
    try:
        port = int(port_text)
        if not 0 <= port <= 65535:
            raise ValueError
    except ValueError:
        sys.stderr.write("seed_verify_receiver: bad PORT %s\n" % port_text)
        sys.exit(2)
    _record_file = open(_require_env("RECORD_FILE"), "a", encoding="utf-8")
    _require_env("WEBHOOK_SECRET")
    httpd = Server(("127.0.0.1", port), Handler)
    print("listening %d" % httpd.server_address[1], flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
