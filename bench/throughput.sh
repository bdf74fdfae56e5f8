#!/usr/bin/env bash
# Benchmark of issue #17, on the release build.
# Part 1, backlog delivery: for 1 and for 4 endpoints, N punches are ingested into a fresh relay
# store, which queues N x endpoints deliveries, and the relay's dispatcher sends them to
# bench/receiver.js; then a plain keep-alive client posts the same number of requests at the same
# concurrency to the same receiver (the ceiling). Prints deliveries/s, the ceiling, the ratio and
# the RSS, on SQLite and (with --postgres) PostgreSQL; then once more to one endpoint that opted
# into batched delivery (50 events per request at most).
# Part 2, live: 20 sites publish 100 punches/s each over MQTT to a relay process, one endpoint
# takes them all; prints publish -> webhook p50/p99, loss and the relay's RSS.
# Part 3, ingest: punches/s committed and acked on SQLite, and on PostgreSQL with one connection,
# with the default pool, and with two nodes (bench/ingest_bench.cpp, as bench/scale-out.sh).
# Part 4, agent backlog: 1,000,000 punches (--backlog N) in an agent's outbox reach the relay; time, bytes per
# punch in the outbox and the relay's database, RSS of both (bench/backlog_bench.cpp).
# Part 5, agent memory: the agent's RSS with 50 zk-sim terminals connected.
#
# Usage: bench/throughput.sh [--punches N] [--backlog N] [--postgres] [--part 1|2|3|4|5]
# Builds the release preset (the benches, punchlink-relay, punchlink-agent, zk-sim) first.
set -euo pipefail
cd "$(dirname "$0")/.."
punches=100000
backlog_punches=1000000
postgres=no
part=all
while [ $# -gt 0 ]; do
  case $1 in
    --punches) punches=$2; shift 2 ;;
    --backlog) backlog_punches=$2; shift 2 ;;
    --postgres) postgres=yes; shift ;;
    --part) part=$2; shift 2 ;;
    *) echo "usage: bench/throughput.sh [--punches N] [--backlog N] [--postgres] [--part 1|2|3|4|5]" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null || { echo "node is not installed (scripts/install-deps.sh)" >&2; exit 2; }
cmake --preset release >/dev/null
cmake --build --preset release --target delivery_bench live_bench ingest_bench backlog_bench \
  punchlink-relay punchlink-agent zk-sim >/dev/null
bench=build/release/bench/delivery_bench

out=$(mktemp)
node bench/receiver.js >"$out" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do
  grep -q listening "$out" && break
  sleep 0.1
done
port=$(awk '/listening/ {print $2}' "$out")
[ -n "$port" ] || { echo "the receiver did not start" >&2; exit 2; }

storages=(sqlite)
[ "$postgres" = yes ] && storages+=(postgres)
wanted() { [ "$part" = all ] || [ "$part" = "$1" ]; }

if wanted 1; then
  echo "part 1: backlog delivery"
  for storage in "${storages[@]}"; do
    for endpoints in 1 4; do
      flags=(--port "$port" --punches "$punches" --endpoints "$endpoints")
      [ "$storage" = postgres ] && flags+=(--postgres)
      "$bench" "${flags[@]}"
    done
    flags=(--port "$port" --punches "$punches" --endpoints 1 --max-events-per-request 50)
    [ "$storage" = postgres ] && flags+=(--postgres)
    "$bench" "${flags[@]}"
  done
fi

if wanted 2; then
  echo "part 2: live"
  for storage in "${storages[@]}"; do
    flags=(--relay build/release/relay/punchlink-relay)
    [ "$storage" = postgres ] && flags+=(--postgres)
    build/release/bench/live_bench "${flags[@]}"
  done
fi

if wanted 3; then
  echo "part 3: ingest"
  build/release/bench/ingest_bench --relay build/release/relay/punchlink-relay
fi

backlog=(build/release/bench/backlog_bench --relay build/release/relay/punchlink-relay
  --agent build/release/agent/punchlink-agent --zk-sim build/release/tests/zk-sim/zk-sim)
if wanted 4; then
  echo "part 4: agent backlog"
  "${backlog[@]}" --part 4 --punches "$backlog_punches"
fi

if wanted 5; then
  echo "part 5: agent memory"
  "${backlog[@]}" --part 5 --terminals 50
fi
