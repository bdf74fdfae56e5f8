#!/usr/bin/env bash
# Benchmark: relay ingest throughput in one run (punches/s committed and acked): one node on
# SQLite; one node on PostgreSQL with one connection and with the default pool; two nodes. Sites
# publish batches over MQTT as agents do; the relay nodes share them through an MQTT 5 shared
# subscription. The database (PostgreSQL with fsync on) and Mosquitto are started on free
# loopback ports for each round and removed afterwards.
#
# Usage: bench/scale-out.sh [--punches N] [--sites S] [--batch B] [--window W]
# Env:   PUNCHLINK_BUILD_DIR (default build/dev; the bench and the relay are built there)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${PUNCHLINK_BUILD_DIR:-build/dev}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake --preset dev >/dev/null
fi
cmake --build "$build" --target ingest_bench punchlink-relay >/dev/null
exec "$build/bench/ingest_bench" --relay "$build/relay/punchlink-relay" "$@"
