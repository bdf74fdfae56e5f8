#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and starts the punchlink stack on
# this machine with embedded defaults, loopback only, until Ctrl-C.
#
# What runs today: Mosquitto with TLS (a local CA made on first run), password auth and per-site
# ACLs, checked with a TLS round trip; zk-sim, an emulated terminal speaking the ZK binary
# protocol; punchlink-agent, which reads the terminal and publishes its punches to the broker; and
# punchlink-relay, which stores them and acknowledges them to the agent.
#
# State lives in one folder (default: .state/ in the checkout; PUNCHLINK_STATE_DIR overrides) and a
# second run reuses it: the same CA, the same credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

state_dir=${PUNCHLINK_STATE_DIR:-$root/.state}
mqtt_port=${PUNCHLINK_MQTT_PORT:-8883}
zk_port=${PUNCHLINK_ZK_PORT:-4370}
site_id=${PUNCHLINK_DEMO_SITE:-demo-site}

log() { printf 'punchlink: %s\n' "$*"; }
die() { printf 'punchlink: error: %s\n' "$*" >&2; exit 1; }
# wait_for MESSAGE COMMAND...: retries COMMAND for up to 10 s, then dies with MESSAGE.
wait_for() {
  local message=$1
  shift
  for _ in $(seq 1 100); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "$message"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev

mkdir -p "$state_dir/broker"
chmod 700 "$state_dir"

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

pids=()
stop_all() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    log "stopping"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_all INT TERM EXIT

mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
if port_open "$mqtt_port"; then
  die "port $mqtt_port is taken; set PUNCHLINK_MQTT_PORT to a free port"
fi
"$mosquitto_bin" -c "$state_dir/broker/mosquitto.conf" &
pids+=($!)
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
"$root/build/dev/tests/zk-sim/zk-sim" --port "$zk_port" --control-port 0 --users 20 --logs 200 \
  --seed 1 --serial DEMO000000001 --name "Demo door" >"$state_dir/zk-sim.log" 2>&1 &
pids+=($!)
wait_for "zk-sim did not start (port $zk_port taken? set PUNCHLINK_ZK_PORT); see $state_dir/zk-sim.log" \
  grep -q 'zk-sim ready' "$state_dir/zk-sim.log"
zk_control=$(sed -n 's/.*control=\([0-9]*\).*/\1/p' "$state_dir/zk-sim.log")
log "terminal up: ZK binary protocol on 127.0.0.1:$zk_port (TCP and UDP), control API http://127.0.0.1:$zk_control"
"$root/build/dev/bench/zk_read_bench" "$zk_port" >"$state_dir/zk-check.out" 2>&1 ||
  die "reading the emulated terminal failed: $(cat "$state_dir/zk-check.out")"
log "read the terminal's attendance log with punchlink's client: $(cut -d' ' -f1 "$state_dir/zk-check.out")"

# --- the relay -----------------------------------------------------------------------------------
relay_port=${PUNCHLINK_RELAY_PORT:-8080}
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
relay_bin=$root/build/dev/relay/punchlink-relay
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
"$relay_bin" serve --config "$state_dir/relay.yaml" 2>>"$state_dir/relay.log" &
pids+=($!)
wait_for "the relay did not start; see $state_dir/relay.log" \
  curl -sf "http://127.0.0.1:$relay_port/healthz"
log "relay up: http://127.0.0.1:$relay_port/healthz (log: $state_dir/relay.log)"

# --- the agent -----------------------------------------------------------------------------------
printf '%s\n' "$PUNCHLINK_SITE_MQTT_PASSWORD" >"$state_dir/agent-broker-password"
chmod 600 "$state_dir/agent-broker-password"
agent_status_port=${PUNCHLINK_AGENT_STATUS_PORT:-8787}
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
devices:
  - name: demo-door
    host: 127.0.0.1
    port: $zk_port
    time_zone: UTC
YAML
"$root/build/dev/agent/punchlink-agent" --config "$state_dir/agent.yaml" 2>>"$state_dir/agent.log" &
pids+=($!)
wait_for "the agent did not start; see $state_dir/agent.log" \
  curl -sf "http://127.0.0.1:$agent_status_port/healthz"
log "agent up: status http://127.0.0.1:$agent_status_port/status (log: $state_dir/agent.log)"

cat >"$state_dir/stack.env" <<ENV
# Written by scripts/run.sh; source it to script against the running stack.
PUNCHLINK_STATE_DIR=$state_dir
PUNCHLINK_MQTT_URL=mqtts://127.0.0.1:$mqtt_port
PUNCHLINK_MQTT_CA_FILE=$tls_dir/ca.crt
PUNCHLINK_SITE_TOPIC_PREFIX=$site_prefix
PUNCHLINK_ZKSIM_PORT=$zk_port
PUNCHLINK_ZKSIM_CONTROL_URL=http://127.0.0.1:$zk_control
PUNCHLINK_ZKSIM_SERIAL=DEMO000000001
PUNCHLINK_AGENT_STATUS_URL=http://127.0.0.1:$agent_status_port/status
PUNCHLINK_RELAY_URL=http://127.0.0.1:$relay_port
ENV
cat "$state_dir/tenant.env" >>"$state_dir/stack.env"
cat "$secrets" >>"$state_dir/stack.env"

cat <<INFO

punchlink is running (Ctrl-C stops it). Connection details are in $state_dir/stack.env.
Punch on the emulated terminal, then look at its state and the agent's:
  curl -s -X POST http://127.0.0.1:$zk_control/punches -d '{"user_id":"1001","state":0,"verify":1}'
  curl -s http://127.0.0.1:$zk_control/state
  curl -s http://127.0.0.1:$agent_status_port/status     # outbox.pending drops to 0 once acked
  curl -s http://127.0.0.1:$relay_port/healthz           # ingest counters
Ask the REST API (key in $state_dir/stack.env):
  . $state_dir/stack.env
  curl -s "\$PUNCHLINK_RELAY_URL/v1/logs?limit=5" -H "Authorization: Bearer \$PUNCHLINK_API_KEY"
  curl -s "\$PUNCHLINK_RELAY_URL/v1/devices" -H "Authorization: Bearer \$PUNCHLINK_API_KEY"
Watch the site's traffic as the relay would:
  . $state_dir/stack.env
  mosquitto_sub -h 127.0.0.1 -p $mqtt_port --cafile \$PUNCHLINK_MQTT_CA_FILE -V 5 \\
    -u \$PUNCHLINK_RELAY_MQTT_USER -P \$PUNCHLINK_RELAY_MQTT_PASSWORD -t 'punchlink/#' -v
INFO

wait "${pids[0]}"
