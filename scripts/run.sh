#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and starts the punchlink stack on
# this machine with embedded defaults, loopback only.
#
#   scripts/run.sh [--detach] [--punch-rate N]     start (foreground until Ctrl-C, or --detach)
#   scripts/run.sh stop                            stop a stack started with --detach (or one
#                                                  running in another terminal)
#
# What runs: Mosquitto with TLS (a local CA made on first run), password auth and per-site ACLs,
# checked with a TLS round trip; two emulated terminals (zk-sim): one speaking the ZK binary
# protocol, which the agent reads, and one in ADMS push mode, which calls the agent's push
# listener (with --punch-rate N each punches N times a minute on its own); punchlink-agent, which
# takes both terminals' punches and publishes them to the broker; punchlink-relay, which stores them,
# acknowledges them to the agent, serves the REST API and fires signed webhooks; and
# scripts/demo_receiver.py, a webhook receiver that verifies both signatures of every delivery
# and logs the events.
#
# State lives in one folder (default: .state/ in the checkout; PUNCHLINK_STATE_DIR overrides) and a
# second run reuses it: the same CA, credentials, tenant, API key and webhook endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

state_dir=${PUNCHLINK_STATE_DIR:-$root/.state}
mqtt_port=${PUNCHLINK_MQTT_PORT:-8883}
zk_port=${PUNCHLINK_ZK_PORT:-4370}
zk_control_port=${PUNCHLINK_ZK_CONTROL_PORT:-0}
relay_port=${PUNCHLINK_RELAY_PORT:-8080}
agent_status_port=${PUNCHLINK_AGENT_STATUS_PORT:-8787}
webhook_port=${PUNCHLINK_WEBHOOK_PORT:-8090}
webhook_log=${PUNCHLINK_WEBHOOK_LOG:-$state_dir/webhooks.jsonl}
punch_rate=${PUNCHLINK_PUNCH_RATE:-0}
site_id=${PUNCHLINK_DEMO_SITE:-demo-site}
agent_push_port=${PUNCHLINK_AGENT_PUSH_PORT:-8081}
push_control_port=${PUNCHLINK_PUSH_CONTROL_PORT:-0}
zk_serial=DEMO000000001
push_serial=${PUNCHLINK_PUSH_SERIAL:-DEMOPUSH00002}
# Tests run the stack from the tree they built: binaries from here, no install or build step.
build_dir=${PUNCHLINK_BUILD_DIR:-}
run_dir=$state_dir/run

log() { printf 'punchlink: %s\n' "$*"; }
die() { printf 'punchlink: error: %s\n' "$*" >&2; exit 1; }
usage() {
  cat <<'USAGE'
usage: scripts/run.sh [--detach] [--punch-rate N]
       scripts/run.sh stop

  (no option)      start the stack and stay in the foreground; Ctrl-C stops everything
  --detach, -d     start everything in the background, write pids to <state>/run/, return once
                   every part is ready; stop it with `scripts/run.sh stop`
  --punch-rate N   each emulated terminal punches N times a minute on its own (0..6000, default
                   0; or PUNCHLINK_PUNCH_RATE)
  stop             stop the stack whose pids are in <state>/run/ and return once it is down

Environment: PUNCHLINK_STATE_DIR (default .state/), PUNCHLINK_MQTT_PORT (8883),
PUNCHLINK_ZK_PORT (4370), PUNCHLINK_ZK_CONTROL_PORT (0 = any free), PUNCHLINK_RELAY_PORT (8080),
PUNCHLINK_AGENT_STATUS_PORT (8787), PUNCHLINK_AGENT_PUSH_PORT (8081),
PUNCHLINK_PUSH_CONTROL_PORT (0 = any free), PUNCHLINK_PUSH_SERIAL (DEMOPUSH00002),
PUNCHLINK_WEBHOOK_PORT (8090),
PUNCHLINK_WEBHOOK_LOG (<state>/webhooks.jsonl), PUNCHLINK_PUNCH_RATE (0),
PUNCHLINK_BUILD_DIR (use the binaries of this build tree; skips installing and building).
USAGE
}

command=start
detach=false
while [ $# -gt 0 ]; do
  case $1 in
    --detach | -d) detach=true ;;
    --punch-rate)
      [ $# -ge 2 ] || die "--punch-rate needs a value"
      punch_rate=$2
      shift
      ;;
    --punch-rate=*) punch_rate=${1#*=} ;;
    stop) command=stop ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument $1 (scripts/run.sh --help lists them)" ;;
  esac
  shift
done
if ! [[ $punch_rate =~ ^[0-9]+$ ]] || [ "$punch_rate" -gt 6000 ]; then
  die "--punch-rate needs a number from 0 to 6000, got \"$punch_rate\""
fi

# --- processes: each has <state>/run/NAME.pid holding "PID MARKER"; MARKER is part of its command
# line, so a pid the system has since given to another program is never signalled.
stop_order=(push-terminal agent zk-sim relay receiver broker)
# running NAME: true if NAME's pid file names a live process of ours; sets pid.
running() {
  local file=$run_dir/$1.pid marker stat
  pid=
  [ -f "$file" ] || return 1
  read -r pid marker <"$file" || true
  [ -n "$pid" ] && [ -n "$marker" ] || return 1
  stat=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ $stat != Z* ]] || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$marker"
}
# stop_one NAME: SIGTERM, up to 10 s to exit, then SIGKILL.
stop_one() {
  local name=$1
  if running "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      running "$name" || break
      sleep 0.1
    done
    if running "$name"; then
      log "$name (pid $pid) did not stop within 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    stopped+=("$name")
  fi
  rm -f "$run_dir/$name.pid"
}
stop_stack() {
  stopped=()
  local name
  touch "$run_dir/stopping" 2>/dev/null || true  # tells a foreground run.sh this was asked for
  for name in "${stop_order[@]}"; do
    stop_one "$name"
  done
  rm -f "$run_dir/stopping"
}

if [ "$command" = stop ]; then
  stop_stack
  if [ ${#stopped[@]} -eq 0 ]; then
    log "nothing from $state_dir was running"
  else
    log "stopped ${stopped[*]} ($state_dir)"
  fi
  exit 0
fi

for name in "${stop_order[@]}"; do
  if running "$name"; then
    die "the stack in $state_dir is already running ($name: pid $pid); scripts/run.sh stop stops it"
  fi
  rm -f "$run_dir/$name.pid"
done

# wait_for MESSAGE COMMAND...: retries COMMAND for up to 10 s, then dies with MESSAGE; dies at
# once if the process started last has exited.
wait_for() {
  local message=$1
  shift
  for _ in $(seq 1 100); do
    "$@" >/dev/null 2>&1 && return 0
    if [ ${#started[@]} -gt 0 ] && ! running "${started[-1]}"; then
      break
    fi
    sleep 0.1
  done
  die "$message"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# port_free PORT VARIABLE: dies if something already listens on PORT.
port_free() {
  if port_open "$1"; then
    die "port $1 is taken; set $2 to a free port"
  fi
}

if [ -z "$build_dir" ]; then
  scripts/install-deps.sh
  cmake --preset dev >/dev/null
  cmake --build --preset dev
  build_dir=$root/build/dev
fi
[ -x "$build_dir/agent/punchlink-agent" ] || die "no punchlink-agent in $build_dir (PUNCHLINK_BUILD_DIR)"

mkdir -p "$state_dir/broker" "$run_dir"
chmod 700 "$state_dir"

# start NAME MARKER OUTPUT COMMAND...: starts COMMAND in the background, its stdout and stderr
# appended to OUTPUT ("-": left on this terminal), and records its pid. Detached processes get a
# session of their own, so closing the terminal or a later Ctrl-C there does not reach them.
started=()
start() {
  local name=$1 marker=$2 output=$3
  shift 3
  local launcher=()
  if $detach; then
    launcher=(setsid)
  fi
  if [ "$output" = - ]; then
    "${launcher[@]}" "$@" </dev/null &
  else
    "${launcher[@]}" "$@" </dev/null >>"$output" 2>&1 &
  fi
  printf '%s %s\n' "$!" "$marker" >"$run_dir/$name.pid"
  started+=("$name")
}
# Foreground: everything stops when this script ends (Ctrl-C, an error, a part that exits).
# Detached: only a failed start stops what it started.
ready=false
# shellcheck disable=SC2317  # invoked by the trap
on_exit() {
  local status=$?
  trap - EXIT INT TERM
  if [ ${#started[@]} -gt 0 ] && { ! $detach || ! $ready; }; then
    log "stopping"
    stop_stack
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# --- local CA and broker certificate (first run only) -------------------------------------------
tls_dir=$state_dir/tls
if [ ! -f "$tls_dir/ca.crt" ]; then
  log "creating a local certificate authority in $tls_dir"
  mkdir -p "$tls_dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj '/CN=punchlink local CA' -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=localhost' \
    -keyout "$tls_dir/broker.key" -out "$tls_dir/broker.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    >"$tls_dir/broker.ext"
  openssl x509 -req -in "$tls_dir/broker.csr" -CA "$tls_dir/ca.crt" -CAkey "$tls_dir/ca.key" \
    -CAcreateserial -days 825 -extfile "$tls_dir/broker.ext" -out "$tls_dir/broker.crt" 2>/dev/null
fi

# --- broker accounts: one for the relay, one per site (first run only) ---------------------------
secrets=$state_dir/secrets.env
if [ ! -f "$secrets" ]; then
  log "creating broker accounts"
  {
    echo "PUNCHLINK_RELAY_MQTT_USER=relay"
    echo "PUNCHLINK_RELAY_MQTT_PASSWORD=$(openssl rand -hex 16)"
    echo "PUNCHLINK_SITE_ID=$site_id"
    echo "PUNCHLINK_SITE_MQTT_USER=$site_id"
    echo "PUNCHLINK_SITE_MQTT_PASSWORD=$(openssl rand -hex 16)"
  } >"$secrets"
  chmod 600 "$secrets"
fi
# shellcheck source=/dev/null
. "$secrets"

passwd_file=$state_dir/broker/passwd
: >"$passwd_file"
mosquitto_passwd -b "$passwd_file" "$PUNCHLINK_RELAY_MQTT_USER" "$PUNCHLINK_RELAY_MQTT_PASSWORD"
mosquitto_passwd -b "$passwd_file" "$PUNCHLINK_SITE_MQTT_USER" "$PUNCHLINK_SITE_MQTT_PASSWORD"

# Each site may use only its own topic tree; the relay sees every site (docs/mqtt-contract.md).
cat >"$state_dir/broker/acl" <<ACL
user $PUNCHLINK_RELAY_MQTT_USER
topic readwrite punchlink/#

pattern readwrite punchlink/v1/sites/%u/#
ACL
# A site's broker username is its site id, so %u above confines it to its own tree.
site_prefix="punchlink/v1/sites/$PUNCHLINK_SITE_MQTT_USER"

cat >"$state_dir/broker/mosquitto.conf" <<CONF
user $(id -un)
per_listener_settings false
persistence true
persistence_location $state_dir/broker/
log_dest file $state_dir/broker/mosquitto.log
log_type error
log_type warning
log_type notice
# Small MQTT packets go out at once (each publish waits for its PUBACK).
set_tcp_nodelay true
allow_anonymous false
password_file $passwd_file
acl_file $state_dir/broker/acl
listener $mqtt_port 127.0.0.1
cafile $tls_dir/ca.crt
certfile $tls_dir/broker.crt
keyfile $tls_dir/broker.key
CONF

mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
port_free "$mqtt_port" PUNCHLINK_MQTT_PORT
port_free "$relay_port" PUNCHLINK_RELAY_PORT
port_free "$agent_status_port" PUNCHLINK_AGENT_STATUS_PORT
port_free "$agent_push_port" PUNCHLINK_AGENT_PUSH_PORT
port_free "$webhook_port" PUNCHLINK_WEBHOOK_PORT
start broker "$state_dir/broker/mosquitto.conf" "$state_dir/broker/mosquitto.log" \
  "$mosquitto_bin" -c "$state_dir/broker/mosquitto.conf"
wait_for "mosquitto did not start; see $state_dir/broker/mosquitto.log" port_open "$mqtt_port"
log "broker up: mqtts://127.0.0.1:$mqtt_port (CA $tls_dir/ca.crt)"

# A TLS round trip as the site, verified against the local CA, proves the broker, the
# credentials and the ACL before anything else is started.
check_topic="$site_prefix/selftest"
mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" --cafile "$tls_dir/ca.crt" -V 5 -q 1 -C 1 -W 5 \
  -u "$PUNCHLINK_RELAY_MQTT_USER" -P "$PUNCHLINK_RELAY_MQTT_PASSWORD" -t "$check_topic" \
  >"$state_dir/selftest.out" &
sub_pid=$!
sleep 0.5
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" --cafile "$tls_dir/ca.crt" -V 5 -q 1 \
  -u "$PUNCHLINK_SITE_MQTT_USER" -P "$PUNCHLINK_SITE_MQTT_PASSWORD" -t "$check_topic" -m ok
wait "$sub_pid" || die "TLS round trip through the broker failed; see $state_dir/broker/mosquitto.log"
log "TLS round trip as $PUNCHLINK_SITE_MQTT_USER -> relay: $(cat "$state_dir/selftest.out")"

# --- emulated terminal -------------------------------------------------------------------------
: >"$state_dir/zk-sim.log"
start zk-sim "--serial $zk_serial" "$state_dir/zk-sim.log" \
  "$build_dir/tests/zk-sim/zk-sim" --port "$zk_port" --control-port "$zk_control_port" \
  --users 20 --logs 200 --seed 1 --serial "$zk_serial" --name "Demo door" \
  --auto-punch-per-minute "$punch_rate"
wait_for "zk-sim did not start (port $zk_port taken? set PUNCHLINK_ZK_PORT); see $state_dir/zk-sim.log" \
  grep -q 'zk-sim ready' "$state_dir/zk-sim.log"
zk_control=$(sed -n 's/.*control=\([0-9]*\).*/\1/p' "$state_dir/zk-sim.log")
zk_control_url=http://127.0.0.1:$zk_control
log "terminal up: ZK binary protocol on 127.0.0.1:$zk_port (TCP and UDP), control API $zk_control_url"
"$build_dir/bench/zk_read_bench" "$zk_port" >"$state_dir/zk-check.out" 2>&1 ||
  die "reading the emulated terminal failed: $(cat "$state_dir/zk-check.out")"
log "read the terminal's attendance log with punchlink's client: $(cut -d' ' -f1 "$state_dir/zk-check.out")"
if [ "$punch_rate" -gt 0 ]; then
  log "the terminal punches $punch_rate times a minute on its own (--punch-rate)"
fi

# --- the relay -----------------------------------------------------------------------------------
printf '%s\n' "$PUNCHLINK_RELAY_MQTT_PASSWORD" >"$state_dir/relay-broker-password"
chmod 600 "$state_dir/relay-broker-password"
cat >"$state_dir/relay.yaml" <<YAML
# Written by scripts/run.sh for the local demo; see docs/relay.md for every key.
storage: $state_dir/relay.db
http:
  listen: 127.0.0.1:$relay_port
broker:
  url: mqtts://127.0.0.1:$mqtt_port
  username: $PUNCHLINK_RELAY_MQTT_USER
  password_file: $state_dir/relay-broker-password
  ca_file: $tls_dir/ca.crt
# A local demo: webhook receivers on this machine (plain http, loopback) are allowed. Production
# relays keep both off (docs/webhooks.md).
webhooks:
  allow_http: true
  allow_private_networks: true
YAML
relay_bin=$build_dir/relay/punchlink-relay
# The demo tenant, its API key and the site: created on the first run only.
if [ ! -f "$state_dir/tenant.env" ]; then
  tenant_id=$("$relay_bin" --config "$state_dir/relay.yaml" tenants create "Demo tenant" | cut -f1)
  api_key=$("$relay_bin" --config "$state_dir/relay.yaml" keys create --tenant "$tenant_id" \
    --label demo | sed -n '2p')
  "$relay_bin" --config "$state_dir/relay.yaml" sites create --tenant "$tenant_id" \
    "$PUNCHLINK_SITE_ID" >/dev/null
  printf 'PUNCHLINK_TENANT_ID=%s\nPUNCHLINK_API_KEY=%s\n' "$tenant_id" "$api_key" \
    >"$state_dir/tenant.env"
  chmod 600 "$state_dir/tenant.env"
  log "created tenant $tenant_id, an API key and site $PUNCHLINK_SITE_ID"
fi
# shellcheck source=/dev/null
. "$state_dir/tenant.env"
start relay "$state_dir/relay.yaml" "$state_dir/relay.log" \
  "$relay_bin" serve --config "$state_dir/relay.yaml"
api_url=http://127.0.0.1:$relay_port
wait_for "the relay did not start; see $state_dir/relay.log" curl -sf "$api_url/healthz"
log "relay up: $api_url/healthz (log: $state_dir/relay.log)"

# --- the webhook endpoint and the demo receiver ----------------------------------------------------
# api METHOD PATH [JSON]: calls the REST API with the demo key; sets api_status and api_body.
api() {
  local args=(-sS -X "$1" "$api_url$2" -H "Authorization: Bearer $PUNCHLINK_API_KEY"
    -w '\n%{http_code}')
  if [ $# -ge 3 ]; then
    args+=(-H "Content-Type: application/json" --data "$3")
  fi
  local out
  out=$(curl "${args[@]}") || die "the relay did not answer $1 $2"
  api_status=${out##*$'\n'}
  api_body=${out%$'\n'*}
}
# json_get EXPRESSION: evaluates a Python expression over `d`, the parsed $api_body.
json_get() {
  python3 -c 'import json, sys
d = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print("" if v is None else json.dumps(v) if isinstance(v, bool) else v)' "$api_body" "$1"
}
webhook_url=http://127.0.0.1:$webhook_port/webhooks/punchlink
webhook_marker="punchlink demo receiver (scripts/demo_receiver.py)"
webhook_secret_file=$state_dir/webhook-secret
PUNCHLINK_WEBHOOK_ID=
if [ -f "$state_dir/webhook.env" ]; then
  # shellcheck source=/dev/null
  . "$state_dir/webhook.env"
fi
if [ -n "$PUNCHLINK_WEBHOOK_ID" ]; then
  api GET "/v1/webhooks/$PUNCHLINK_WEBHOOK_ID"
  case $api_status in
    200) ;;
    404) PUNCHLINK_WEBHOOK_ID= ;;
    *) die "GET /v1/webhooks/$PUNCHLINK_WEBHOOK_ID answered $api_status: $api_body" ;;
  esac
fi
if [ -z "$PUNCHLINK_WEBHOOK_ID" ]; then
  # webhook.env lost but the relay's database kept: find the demo endpoint by its description.
  api GET /v1/webhooks
  [ "$api_status" = 200 ] || die "GET /v1/webhooks answered $api_status: $api_body"
  PUNCHLINK_WEBHOOK_ID=$(json_get "next((e['id'] for e in d['data'] if e['description'] == '$webhook_marker'), None)")
  if [ -n "$PUNCHLINK_WEBHOOK_ID" ]; then
    rm -f "$webhook_secret_file"  # its secret is unknown here: a new one is made below
    api GET "/v1/webhooks/$PUNCHLINK_WEBHOOK_ID"
  fi
fi
if [ -n "$PUNCHLINK_WEBHOOK_ID" ]; then
  if [ "$(json_get "d['url']")" != "$webhook_url" ] || [ "$(json_get "d['enabled']")" != true ]; then
    api PATCH "/v1/webhooks/$PUNCHLINK_WEBHOOK_ID" "{\"url\":\"$webhook_url\",\"enabled\":true}"
    [ "$api_status" = 200 ] || die "updating webhook endpoint $PUNCHLINK_WEBHOOK_ID failed ($api_status): $api_body"
    log "webhook endpoint $PUNCHLINK_WEBHOOK_ID now delivers to $webhook_url, enabled"
  fi
  if [ ! -s "$webhook_secret_file" ]; then
    api POST "/v1/webhooks/$PUNCHLINK_WEBHOOK_ID/rotate-secret" '{"overlap_seconds":0}'
    [ "$api_status" = 200 ] || die "rotating the webhook secret failed ($api_status): $api_body"
    (umask 077 && json_get "d['secret']" >"$webhook_secret_file")
    log "webhook endpoint $PUNCHLINK_WEBHOOK_ID had no stored secret: rotated it"
  fi
  log "reusing webhook endpoint $PUNCHLINK_WEBHOOK_ID -> $webhook_url"
else
  api POST /v1/webhooks "{\"url\":\"$webhook_url\",\"description\":\"$webhook_marker\"}"
  [ "$api_status" = 201 ] || die "creating the webhook endpoint failed ($api_status): $api_body"
  PUNCHLINK_WEBHOOK_ID=$(json_get "d['id']")
  (umask 077 && json_get "d['secret']" >"$webhook_secret_file")
  log "created webhook endpoint $PUNCHLINK_WEBHOOK_ID -> $webhook_url (every event type)"
fi
printf 'PUNCHLINK_WEBHOOK_ID=%s\n' "$PUNCHLINK_WEBHOOK_ID" >"$state_dir/webhook.env"
PUNCHLINK_WEBHOOK_SECRET=$(cat "$webhook_secret_file")

receiver_output=-
if $detach; then
  receiver_output=$state_dir/webhook-receiver.log
fi
mkdir -p "$(dirname "$webhook_log")"
start receiver "scripts/demo_receiver.py" "$receiver_output" \
  python3 -u "$root/scripts/demo_receiver.py" --port "$webhook_port" \
  --secret-file "$webhook_secret_file" --log "$webhook_log"
wait_for "the demo webhook receiver did not start (port $webhook_port taken? set PUNCHLINK_WEBHOOK_PORT)" \
  port_open "$webhook_port"
log "webhook receiver up: $webhook_url, verifying both signatures; events -> $webhook_log"

# --- the agent -----------------------------------------------------------------------------------
printf '%s\n' "$PUNCHLINK_SITE_MQTT_PASSWORD" >"$state_dir/agent-broker-password"
chmod 600 "$state_dir/agent-broker-password"
cat >"$state_dir/agent.yaml" <<YAML
# Written by scripts/run.sh for the local demo; see docs/agent-config.md for every key.
site_id: $PUNCHLINK_SITE_ID
uplink:
  broker: mqtts://127.0.0.1:$mqtt_port
  password_file: $state_dir/agent-broker-password
  ca_file: $tls_dir/ca.crt
outbox:
  path: $state_dir/agent-outbox.db
status:
  listen: 127.0.0.1:$agent_status_port
  interval: 10s
push:
  listen: 127.0.0.1:$agent_push_port
  delay: 2s
  error_delay: 5s
  offline_after: 15s
devices:
  - name: demo-door
    host: 127.0.0.1
    port: $zk_port
    time_zone: UTC
  - name: demo-gate
    protocol: push
    serial: $push_serial
    time_zone: Europe/Berlin
YAML
start agent "$state_dir/agent.yaml" "$state_dir/agent.log" \
  "$build_dir/agent/punchlink-agent" --config "$state_dir/agent.yaml"
wait_for "the agent did not start; see $state_dir/agent.log" \
  curl -sf "http://127.0.0.1:$agent_status_port/healthz"
log "agent up: status http://127.0.0.1:$agent_status_port/status (log: $state_dir/agent.log)"

# --- the push terminal: calls the agent, so it starts once the agent listens --------------------
: >"$state_dir/push-terminal.log"
start push-terminal "--serial $push_serial" "$state_dir/push-terminal.log" \
  "$build_dir/tests/zk-sim/zk-sim" --port 0 --control-port "$push_control_port" \
  --users 10 --logs 50 --seed 2 --serial "$push_serial" --name "Demo gate" --tz Europe/Berlin \
  --push-url "http://127.0.0.1:$agent_push_port" --push-retry 2 \
  --auto-punch-per-minute "$punch_rate"
wait_for "the push terminal did not start; see $state_dir/push-terminal.log" \
  grep -q 'zk-sim ready' "$state_dir/push-terminal.log"
push_control=$(sed -n 's/.*control=\([0-9]*\).*/\1/p' "$state_dir/push-terminal.log")
push_control_url=http://127.0.0.1:$push_control
wait_for "the push terminal did not reach the agent; see $state_dir/push-terminal.log and agent.log" \
  sh -c "curl -sf '$push_control_url/state' | grep -q '\"handshakes\":[1-9]'"
log "push terminal up: ADMS push to http://127.0.0.1:$agent_push_port, control API $push_control_url"

cat >"$state_dir/stack.env" <<ENV
# Written by scripts/run.sh; source it to script against the running stack
# (set -a; . stack.env; set +a exports it for programs such as tests/seed/*.py).
PUNCHLINK_STATE_DIR=$state_dir
PUNCHLINK_MQTT_URL=mqtts://127.0.0.1:$mqtt_port
PUNCHLINK_MQTT_CA_FILE=$tls_dir/ca.crt
PUNCHLINK_SITE_TOPIC_PREFIX=$site_prefix
PUNCHLINK_ZKSIM_PORT=$zk_port
PUNCHLINK_ZKSIM_CONTROL_URL=$zk_control_url
PUNCHLINK_ZKSIM_SERIAL=$zk_serial
PUNCHLINK_ZKSIM_CONTROL_URLS="$zk_control_url $push_control_url"
PUNCHLINK_ZKSIM_SERIALS="$zk_serial $push_serial"
PUNCHLINK_PUSH_SERIAL=$push_serial
PUNCHLINK_PUSH_CONTROL_URL=$push_control_url
PUNCHLINK_AGENT_PUSH_URL=http://127.0.0.1:$agent_push_port
PUNCHLINK_DEVICE_ID=$zk_serial
PUNCHLINK_PUNCH_RATE=$punch_rate
PUNCHLINK_AGENT_STATUS_URL=http://127.0.0.1:$agent_status_port/status
PUNCHLINK_RELAY_URL=$api_url
PUNCHLINK_API_URL=$api_url
PUNCHLINK_WEBHOOK_ID=$PUNCHLINK_WEBHOOK_ID
PUNCHLINK_WEBHOOK_URL=$webhook_url
PUNCHLINK_WEBHOOK_SECRET=$PUNCHLINK_WEBHOOK_SECRET
PUNCHLINK_WEBHOOK_SECRET_FILE=$webhook_secret_file
PUNCHLINK_WEBHOOK_LOG=$webhook_log
ENV
cat "$state_dir/tenant.env" >>"$state_dir/stack.env"
cat "$secrets" >>"$state_dir/stack.env"
chmod 600 "$state_dir/stack.env"
ready=true

if $detach; then
  how_to_stop="It runs in the background (pids in $run_dir)."
  watch="tail -f $state_dir/webhook-receiver.log   # one line per verified event"
else
  how_to_stop="Ctrl-C stops it. Verified webhook events print below, one line each."
  watch="tail -f $webhook_log   # the events as JSON lines"
fi
stop_command="scripts/run.sh stop"
if [ "$state_dir" != "$root/.state" ]; then
  stop_command="PUNCHLINK_STATE_DIR=$state_dir scripts/run.sh stop"
fi
cat <<INFO

punchlink is running. $how_to_stop
Connection details, the API key and the webhook secret: $state_dir/stack.env
Paste into a shell:
  . $state_dir/stack.env
  # the REST API: devices, today's punches, enroll a user on the terminal
  curl -s "\$PUNCHLINK_API_URL/v1/devices" -H "Authorization: Bearer \$PUNCHLINK_API_KEY"
  curl -s "\$PUNCHLINK_API_URL/v1/logs?start_date=\$(date -u +%F)&limit=5" \\
    -H "Authorization: Bearer \$PUNCHLINK_API_KEY"
  curl -s -X POST "\$PUNCHLINK_API_URL/v1/users" -H "Authorization: Bearer \$PUNCHLINK_API_KEY" \\
    -H "Content-Type: application/json" \\
    -d '{"device_id":"$zk_serial","user_id":"2001","name":"Jane Doe"}'
  # punch as that user on the emulated terminal; it arrives as a webhook within a second
  curl -s -X POST "\$PUNCHLINK_ZKSIM_CONTROL_URL/punches" -d '{"user_id":"2001","state":0,"verify":1}'
  curl -s "\$PUNCHLINK_API_URL/v1/webhooks/\$PUNCHLINK_WEBHOOK_ID/deliveries?limit=3" \\
    -H "Authorization: Bearer \$PUNCHLINK_API_KEY"
  # the push terminal (Europe/Berlin) calls the agent; punch there too
  curl -s -X POST "\$PUNCHLINK_PUSH_CONTROL_URL/punches" -d '{"user_id":"2001","state":1,"verify":15}'
  # each part's own view
  curl -s "\$PUNCHLINK_ZKSIM_CONTROL_URL/state"
  curl -s "\$PUNCHLINK_PUSH_CONTROL_URL/state"    # "push": handshakes, uploads, polls
  curl -s "\$PUNCHLINK_AGENT_STATUS_URL"   # outbox.pending drops to 0 once acked
  curl -s "\$PUNCHLINK_RELAY_URL/healthz"  # ingest counters
Watch the webhook events:
  $watch
Watch the site's MQTT traffic as the relay sees it:
  mosquitto_sub -h 127.0.0.1 -p $mqtt_port --cafile "\$PUNCHLINK_MQTT_CA_FILE" -V 5 \\
    -u "\$PUNCHLINK_RELAY_MQTT_USER" -P "\$PUNCHLINK_RELAY_MQTT_PASSWORD" -t 'punchlink/#' -v
Stop it: $stop_command

INFO

if $detach; then
  exit 0
fi
# Foreground: until Ctrl-C, or until a part exits on its own (then everything stops).
child_pids=()
for name in "${started[@]}"; do
  running "$name" && child_pids+=("$pid")
done
set +e
wait -n "${child_pids[@]}"
sleep 0.2
if [ -f "$run_dir/stopping" ]; then
  started=()  # `scripts/run.sh stop` is stopping them; wait for it to finish
  for _ in $(seq 1 600); do
    [ -f "$run_dir/stopping" ] || break
    sleep 0.1
  done
  log "stopped by scripts/run.sh stop"
  exit 0
fi
for name in "${started[@]}"; do
  if ! running "$name"; then
    log "$name exited on its own; its log is in $state_dir"
  fi
done
exit 1
