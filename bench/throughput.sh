#!/usr/bin/env bash
# Benchmark: webhook delivery of a backlog (issue #17, part 1). For 1 and for 4 endpoints, N
# punches are ingested into a fresh relay store, which queues N x endpoints deliveries, and the
# relay's dispatcher sends them to bench/receiver.js; then a plain keep-alive client posts the
# same number of requests at the same concurrency to the same receiver (the ceiling). Prints
# deliveries/s, the ceiling and the ratio, on SQLite and (with --postgres) PostgreSQL.
#
# Usage: bench/throughput.sh [--punches N] [--postgres]
# Builds the release preset (delivery_bench) first.
set -euo pipefail
cd "$(dirname "$0")/.."
punches=100000
postgres=no
while [ $# -gt 0 ]; do
  case $1 in
    --punches) punches=$2; shift 2 ;;
    --postgres) postgres=yes; shift ;;
    *) echo "usage: bench/throughput.sh [--punches N] [--postgres]" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null || { echo "node is not installed (scripts/install-deps.sh)" >&2; exit 2; }
cmake --preset release >/dev/null
cmake --build --preset release --target delivery_bench >/dev/null
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
for storage in "${storages[@]}"; do
  for endpoints in 1 4; do
    flags=(--port "$port" --punches "$punches" --endpoints "$endpoints")
    [ "$storage" = postgres ] && flags+=(--postgres)
    "$bench" "${flags[@]}"
  done
done
