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
# This script only strings the steps together: the CA comes from scripts/make-ca.sh, the config
# files from scripts/templates/ (and the broker's from packaging/mosquitto-punchlink.conf and .acl),
# and the webhook endpoint from `punchlink-relay webhooks ensure`.
#
# State lives in one folder (default: .state/ in the checkout; PUNCHLINK_STATE_DIR overrides) and a
# second run reuses it: the same CA, credentials, tenant, API key and webhook endpoint.
# shellcheck disable=SC2034  # variables that only templates use, through render's ${!name}
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
tls_dir=$state_dir/tls

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

# shellcheck source=scripts/lib/processes.sh
. "$root/scripts/lib/processes.sh"

# --- helpers -------------------------------------------------------------------------------------
# render TEMPLATE: prints scripts/templates/TEMPLATE with each @name@ replaced by the value of
# this script's variable $name (one that is not set is an error, never an empty value).
render() {
  local template=$root/scripts/templates/$1 text name
  text=$(<"$template")
  for name in $(grep -o '@[A-Za-z_][A-Za-z0-9_]*@' "$template" | tr -d @ | sort -u); do
    [ -n "${!name+set}" ] || die "$template uses @$name@, which scripts/run.sh does not set"
    text=${text//"@$name@"/"${!name}"}
  done
  printf '%s\n' "$text"
}
# broker_settings: packaging/mosquitto-punchlink.conf with this stack's files for the packaged
# paths and its listener on loopback, so the demo broker runs the settings a relay host gets.
broker_settings() {
  local packaged=$root/packaging/mosquitto-punchlink.conf text
  text=$(<"$packaged")
  text=${text//"/etc/mosquitto/punchlink.passwd"/"$state_dir/broker/passwd"}
  text=${text//"/etc/mosquitto/punchlink.acl"/"$root/packaging/mosquitto-punchlink.acl"}
  text=${text//"/etc/mosquitto/certs/"/"$tls_dir/"}
  text=${text//$'\n'"listener 8883"$'\n'/$'\n'"listener $mqtt_port 127.0.0.1"$'\n'}
  if grep -v '^#' <<<"$text" | grep -q /etc/mosquitto ||
    [[ $text != *$'\n'"listener $mqtt_port 127.0.0.1"$'\n'* ]]; then
    die "$packaged has a path or listener scripts/run.sh does not map (see broker_settings)"
  fi
  printf '%s\n' "$text"
}
# secret_file NAME VALUE: <state>/NAME holding VALUE, readable by this user only.
secret_file() { (umask 077 && printf '%s\n' "$2" >"$state_dir/$1") && chmod 600 "$state_dir/$1"; }
relay() { "$build_dir/relay/punchlink-relay" --config "$state_dir/relay.yaml" "$@"; }
# zk_sim NAME SERIAL HINT ARGS...: starts an emulated terminal, waits for it (HINT: what may have
# gone wrong if it does not start) and sets control_url.
zk_sim() {
  local name=$1 serial=$2 hint=$3
  shift 3
  : >"$state_dir/$name.log"
  start "$name" "--serial $serial" "$state_dir/$name.log" "$build_dir/tests/zk-sim/zk-sim" \
    --serial "$serial" --auto-punch-per-minute "$punch_rate" "$@"
  wait_for "$name did not start$hint; see $state_dir/$name.log" \
    grep -q 'zk-sim ready' "$state_dir/$name.log"
  control_url=http://127.0.0.1:$(sed -n 's/.*control=\([0-9]*\).*/\1/p' "$state_dir/$name.log")
}

# --- the steps -----------------------------------------------------------------------------------
if [ "$command" = stop ]; then
  stop_and_report
  exit 0
fi
refuse_second_start

if [ -z "$build_dir" ]; then
  scripts/install-deps.sh
  cmake --preset dev >/dev/null
  cmake --build --preset dev
  build_dir=$root/build/dev
fi
[ -x "$build_dir/agent/punchlink-agent" ] || die "no punchlink-agent in $build_dir (PUNCHLINK_BUILD_DIR)"

mkdir -p "$state_dir/broker" "$run_dir" "$tls_dir"
chmod 700 "$state_dir"
stop_started_on_exit

[ -f "$tls_dir/ca.crt" ] || log "creating a local certificate authority in $tls_dir"
scripts/make-ca.sh "$tls_dir/ca" "$tls_dir/broker" || die "could not make the local CA in $tls_dir"

# Broker accounts, one for the relay and one per site: made on the first run only.
secrets=$state_dir/secrets.env
if [ ! -f "$secrets" ]; then
  log "creating broker accounts"
  secret_file secrets.env "PUNCHLINK_RELAY_MQTT_USER=relay
PUNCHLINK_RELAY_MQTT_PASSWORD=$(openssl rand -hex 16)
PUNCHLINK_SITE_ID=$site_id
PUNCHLINK_SITE_MQTT_USER=$site_id
PUNCHLINK_SITE_MQTT_PASSWORD=$(openssl rand -hex 16)"
fi
# shellcheck source=/dev/null
. "$secrets"
: >"$state_dir/broker/passwd"
mosquitto_passwd -b "$state_dir/broker/passwd" "$PUNCHLINK_RELAY_MQTT_USER" "$PUNCHLINK_RELAY_MQTT_PASSWORD"
mosquitto_passwd -b "$state_dir/broker/passwd" "$PUNCHLINK_SITE_MQTT_USER" "$PUNCHLINK_SITE_MQTT_PASSWORD"
# The packaged ACL confines each site to its own tree by username (%u), which is its site id.
# The topic prefix is the packaged ACL's (a unit test checks it against the contract module).
site_prefix=$(sed -n 's|^pattern readwrite \(.*\)%u/#$|\1|p' "$root/packaging/mosquitto-punchlink.acl")
[ -n "$site_prefix" ] || die "packaging/mosquitto-punchlink.acl has no site pattern"
site_prefix=$site_prefix$PUNCHLINK_SITE_MQTT_USER
user=$(id -un)
{ render mosquitto.conf.in && broker_settings; } >"$state_dir/broker/mosquitto.conf"

port_free "$mqtt_port" PUNCHLINK_MQTT_PORT
port_free "$relay_port" PUNCHLINK_RELAY_PORT
port_free "$agent_status_port" PUNCHLINK_AGENT_STATUS_PORT
port_free "$agent_push_port" PUNCHLINK_AGENT_PUSH_PORT
port_free "$webhook_port" PUNCHLINK_WEBHOOK_PORT
start broker "$state_dir/broker/mosquitto.conf" "$state_dir/broker/mosquitto.log" \
  "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$state_dir/broker/mosquitto.conf"
wait_for "mosquitto did not start; see $state_dir/broker/mosquitto.log" port_open "$mqtt_port"
log "broker up: mqtts://127.0.0.1:$mqtt_port (CA $tls_dir/ca.crt)"

# A TLS round trip as the site, verified against the local CA, proves the broker, the
# credentials and the ACL before anything else is started.
mqtt=(-h 127.0.0.1 -p "$mqtt_port" --cafile "$tls_dir/ca.crt" -V 5 -q 1 -t "$site_prefix/selftest")
mosquitto_sub "${mqtt[@]}" -C 1 -W 5 -u "$PUNCHLINK_RELAY_MQTT_USER" \
  -P "$PUNCHLINK_RELAY_MQTT_PASSWORD" >"$state_dir/selftest.out" &
sub_pid=$!
sleep 0.5
mosquitto_pub "${mqtt[@]}" -u "$PUNCHLINK_SITE_MQTT_USER" -P "$PUNCHLINK_SITE_MQTT_PASSWORD" -m ok
wait "$sub_pid" || die "TLS round trip through the broker failed; see $state_dir/broker/mosquitto.log"
log "TLS round trip as $PUNCHLINK_SITE_MQTT_USER -> relay: $(cat "$state_dir/selftest.out")"

zk_sim zk-sim "$zk_serial" " (port $zk_port taken? set PUNCHLINK_ZK_PORT)" --port "$zk_port" \
  --control-port "$zk_control_port" --users 20 --logs 200 --seed 1 --name "Demo door"
zk_control_url=$control_url
log "terminal up: ZK binary protocol on 127.0.0.1:$zk_port (TCP and UDP), control API $zk_control_url"
"$build_dir/bench/zk_read_bench" "$zk_port" >"$state_dir/zk-check.out" 2>&1 ||
  die "reading the emulated terminal failed: $(cat "$state_dir/zk-check.out")"
log "read the terminal's attendance log with punchlink's client: $(cut -d' ' -f1 "$state_dir/zk-check.out")"
if [ "$punch_rate" -gt 0 ]; then
  log "the terminal punches $punch_rate times a minute on its own (--punch-rate)"
fi

secret_file relay-broker-password "$PUNCHLINK_RELAY_MQTT_PASSWORD"
render relay.yaml.in >"$state_dir/relay.yaml"
# The demo tenant, its API key and the site: created on the first run only.
if [ ! -f "$state_dir/tenant.env" ]; then
  tenant_id=$(relay tenants create "Demo tenant" | cut -f1)
  api_key=$(relay keys create --tenant "$tenant_id" --label demo | sed -n '2p')
  relay sites create --tenant "$tenant_id" "$PUNCHLINK_SITE_ID" >/dev/null
  secret_file tenant.env "PUNCHLINK_TENANT_ID=$tenant_id
PUNCHLINK_API_KEY=$api_key"
  log "created tenant $tenant_id, an API key and site $PUNCHLINK_SITE_ID"
fi
# shellcheck source=/dev/null
. "$state_dir/tenant.env"
# The demo receiver's endpoint, every event type: found again by its description on later runs,
# with a new secret if the secret file is gone and the URL of the current PUNCHLINK_WEBHOOK_PORT.
webhook_url=http://127.0.0.1:$webhook_port/webhooks/punchlink
webhook_secret_file=$state_dir/webhook-secret
ensured=$(relay webhooks ensure --tenant "$PUNCHLINK_TENANT_ID" --url "$webhook_url" \
  --description "punchlink demo receiver (scripts/demo_receiver.py)" \
  --secret-file "$webhook_secret_file") || die "registering the demo webhook receiver failed"
PUNCHLINK_WEBHOOK_ID=${ensured%%$'\t'*}
PUNCHLINK_WEBHOOK_SECRET=$(<"$webhook_secret_file")
log "webhook endpoint $PUNCHLINK_WEBHOOK_ID -> $webhook_url (every event type): ${ensured#*$'\t'}"
start relay "$state_dir/relay.yaml" "$state_dir/relay.log" \
  "$build_dir/relay/punchlink-relay" serve --config "$state_dir/relay.yaml"
api_url=http://127.0.0.1:$relay_port
wait_for "the relay did not start; see $state_dir/relay.log" curl -sf "$api_url/healthz"
log "relay up: $api_url/healthz (log: $state_dir/relay.log)"

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

secret_file agent-broker-password "$PUNCHLINK_SITE_MQTT_PASSWORD"
# The push terminal's communication key: new on every run, as both ends are configured here.
push_comm_key=$(openssl rand -hex 8)
render agent.yaml.in >"$state_dir/agent.yaml"
start agent "$state_dir/agent.yaml" "$state_dir/agent.log" \
  "$build_dir/agent/punchlink-agent" --config "$state_dir/agent.yaml"
wait_for "the agent did not start; see $state_dir/agent.log" \
  curl -sf "http://127.0.0.1:$agent_status_port/healthz"
log "agent up: status http://127.0.0.1:$agent_status_port/status (log: $state_dir/agent.log)"

# The push terminal calls the agent, so it starts once the agent listens.
zk_sim push-terminal "$push_serial" "" --port 0 --control-port "$push_control_port" --users 10 \
  --logs 50 --seed 2 --name "Demo gate" --tz Europe/Berlin \
  --push-url "http://127.0.0.1:$agent_push_port" --push-retry 2 --push-key "$push_comm_key"
push_control_url=$control_url
wait_for "the push terminal did not reach the agent; see $state_dir/push-terminal.log and agent.log" \
  sh -c "curl -sf '$push_control_url/state' | grep -q '\"handshakes\":[1-9]'"
log "push terminal up: ADMS push to http://127.0.0.1:$agent_push_port, control API $push_control_url"

stack_env=$(render stack.env.in && cat "$state_dir/tenant.env" "$secrets")
secret_file stack.env "$stack_env"
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
render ready.txt.in
$detach && exit 0
supervise
