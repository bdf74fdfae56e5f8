#!/usr/bin/env bash
# Benchmark: end-to-end webhook latency. A punch is injected into zk-sim (as if someone punched
# the terminal), the agent receives it as a real-time event and publishes it over MQTT, the relay
# stores it and fires the attendance.punch webhook at a receiver in bench/webhook_latency.py.
# Latency = webhook arrival - injection, both on the same machine's monotonic clock.
# Target: p99 < 50 ms at 50 punches/s. Exits 1 only if a webhook never arrives (30 s grace).
#
# Usage: bench/webhook-latency.sh [--punches N] [--rate R] [--warmup-timeout S]
# Env:   PUNCHLINK_BUILD_DIR (default build/dev; not rebuilt here: cmake --build --preset dev)
#        PUNCHLINK_BENCH_KEEP=1 keeps the temp dir (configs, logs, databases) for inspection
#
# The broker is Mosquitto with password auth and per-site ACLs like scripts/run.sh, but on plain
# TCP (mqtt://127.0.0.1) rather than TLS: everything is loopback, and the bench is about the
# pipeline, not the handshake (which happens once per connection anyway).
# shellcheck disable=SC2317  # stop_all and port_open run from trap and wait_for
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${PUNCHLINK_BUILD_DIR:-$root/build/dev}

agent_bin=$build/agent/punchlink-agent
relay_bin=$build/relay/punchlink-relay
sim_bin=$build/tests/zk-sim/zk-sim
for bin in "$agent_bin" "$relay_bin" "$sim_bin"; do
  [ -x "$bin" ] || { echo "missing $bin; build first: cmake --preset dev && cmake --build --preset dev" >&2; exit 2; }
done
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto_bin" ] || { echo "mosquitto is not installed (scripts/install-deps.sh)" >&2; exit 2; }
command -v mosquitto_passwd >/dev/null || { echo "mosquitto_passwd is not installed" >&2; exit 2; }

log() { printf 'webhook-latency: %s\n' "$*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/punchlink-webhook-bench.XXXXXX")
chmod 700 "$work"
pids=()
stop_all() {
  local status=$?
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    for f in broker/stderr.log broker/mosquitto.log zk-sim.log relay.log agent.log; do
      [ -s "$work/$f" ] && { echo "--- tail of $f" >&2; tail -n 15 "$work/$f" >&2; }
    done
  fi
  if [ "${PUNCHLINK_BENCH_KEEP:-0}" = 1 ]; then
    log "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS MESSAGE COMMAND...: retries COMMAND every 0.1 s, then fails with MESSAGE.
wait_for() {
  local tries=$(($1 * 10)) message=$2
  shift 2
  for _ in $(seq 1 "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "error: $message"
  exit 3
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Free loopback TCP ports, chosen by the kernel (bound and released at once).
read -r mqtt_port relay_port agent_status_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
PY
)

site_id=bench-site
# --- broker: password auth and ACLs as in scripts/run.sh, plain TCP on loopback -----------------
mkdir -p "$work/broker"
relay_pw=$(openssl rand -hex 16)
site_pw=$(openssl rand -hex 16)
: >"$work/broker/passwd"
mosquitto_passwd -b "$work/broker/passwd" relay "$relay_pw"
mosquitto_passwd -b "$work/broker/passwd" "$site_id" "$site_pw"
# The packaged ACL: the relay account reads and writes everything, each site its own tree.
cp "$root/packaging/mosquitto-punchlink.acl" "$work/broker/acl"
cat >"$work/broker/mosquitto.conf" <<CONF
user $(id -un)
per_listener_settings false
persistence false
log_dest file $work/broker/mosquitto.log
log_type error
log_type warning
log_type notice
# Small MQTT packets go out at once (each publish waits for its PUBACK).
set_tcp_nodelay true
max_inflight_messages 200
allow_anonymous false
# As packaging/mosquitto-punchlink.conf: ids are usernames, packets bounded.
use_username_as_clientid true
max_packet_size 8388608
password_file $work/broker/passwd
acl_file $work/broker/acl
listener $mqtt_port 127.0.0.1
CONF
"$mosquitto_bin" -c "$work/broker/mosquitto.conf" >"$work/broker/stderr.log" 2>&1 &
pids+=($!)
wait_for 10 "mosquitto did not start" port_open "$mqtt_port"

# --- emulated terminal: a few users, no stored logs (nothing to resync) -------------------------
"$sim_bin" --port 0 --control-port 0 --users 5 --logs 0 --templates-per-user 0 --seed 1 \
  --serial BENCH0000001 --name "Bench door" >"$work/zk-sim.log" 2>&1 &
pids+=($!)
wait_for 10 "zk-sim did not start" grep -q 'zk-sim ready' "$work/zk-sim.log"
zk_port=$(sed -n 's/.*tcp=\([0-9]*\).*/\1/p' "$work/zk-sim.log")
zk_control=$(sed -n 's/.*control=\([0-9]*\).*/\1/p' "$work/zk-sim.log")

# --- relay: SQLite in the temp dir, webhooks to loopback allowed --------------------------------
printf '%s\n' "$relay_pw" >"$work/relay-broker-password"
cat >"$work/relay.yaml" <<YAML
# Written by bench/webhook-latency.sh; see docs/relay.md and relay/src/config/relay_config.cpp.
storage: $work/relay.db
log_level: info
http:
  listen: 127.0.0.1:$relay_port
  rate_limit_per_minute: 10000
broker:
  url: mqtt://127.0.0.1:$mqtt_port
  client_id: bench-relay
  username: relay
  password_file: $work/relay-broker-password
webhooks:
  allow_http: true
  allow_private_networks: true
  # Deliveries are dispatched when ingest pokes the dispatcher; the poll interval is only the
  # fallback (retries, missed pokes). Left at its default so the poke path is what is measured.
  poll_interval: 500ms
  workers: 8
  per_endpoint_concurrency: 2
  attempt_timeout: 5s
  initial_retry_delay: 100ms
YAML
relay() { "$relay_bin" --config "$work/relay.yaml" "$@"; }
tenant_id=$(relay tenants create "Bench tenant" | cut -f1)
api_key=$(relay keys create --tenant "$tenant_id" --label bench | sed -n '2p')
relay sites create --tenant "$tenant_id" "$site_id" >/dev/null
[ -n "$api_key" ] || { log "error: could not create an API key"; exit 3; }
"$relay_bin" serve --config "$work/relay.yaml" 2>>"$work/relay.log" &
pids+=($!)
wait_for 10 "the relay did not start" curl -sf "http://127.0.0.1:$relay_port/healthz"

# --- agent: real-time mode, partial batches sent at once (batch_delay 0ms is the minimum) -------
printf '%s\n' "$site_pw" >"$work/agent-broker-password"
cat >"$work/agent.yaml" <<YAML
# Written by bench/webhook-latency.sh; see docs/agent-config.md.
site_id: $site_id
log_level: info
uplink:
  broker: mqtt://127.0.0.1:$mqtt_port
  password_file: $work/agent-broker-password
  batch_size: 100
  batch_delay: 0ms
  drain_rate: 10000
  drain_burst: 10000
outbox:
  path: $work/agent-outbox.db
status:
  listen: 127.0.0.1:$agent_status_port
  interval: 10s
devices:
  - name: bench-door
    host: 127.0.0.1
    port: $zk_port
    transport: tcp
    time_zone: UTC
    mode: realtime
YAML
"$agent_bin" --config "$work/agent.yaml" 2>>"$work/agent.log" &
pids+=($!)
wait_for 10 "the agent did not start" curl -sf "http://127.0.0.1:$agent_status_port/healthz"

log "stack up in $work: mosquitto mqtt://127.0.0.1:$mqtt_port (plain TCP, password auth)," \
  "zk-sim $zk_port, relay http://127.0.0.1:$relay_port, agent status $agent_status_port"

status=0
python3 "$root/bench/webhook_latency.py" \
  --relay-url "http://127.0.0.1:$relay_port" --api-key "$api_key" \
  --sim-url "http://127.0.0.1:$zk_control" \
  --agent-status-url "http://127.0.0.1:$agent_status_port/status" "$@" || status=$?
exit "$status"
