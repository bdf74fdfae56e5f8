#!/usr/bin/env bash
# Benchmark: read a 100,000-record attendance log from zk-sim over TCP with punchlink's client
# and with node-zklib, and print wall time, CPU time of the reading process, records/s, peak
# RSS and the ratios ours/theirs. zk-sim paces bulk packets as firmware does (20 ms); a last
# run shows our client with pacing off.
# Targets: our CPU ≤ 1/3 of node-zklib's, our wall ≤ theirs at the same pacing, our RSS < 20 MB.
# Usage: bench/zk-read-bench.sh [records]
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-100000}

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target zk-sim zk_read_bench >/dev/null
node_dir=build/release/bench-node
mkdir -p "$node_dir"
cp tests/peers/package.json tests/peers/package-lock.json "$node_dir/"
(cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
cp bench/node_read.js "$node_dir/"

sim=build/release/tests/zk-sim/zk-sim
reader=build/release/bench/zk_read_bench
work=$(mktemp -d)
sim_pid=
stop_sim() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null; sim_pid=; }
trap 'stop_sim; rm -rf "$work"' EXIT

# Starts zk-sim in this shell (so it can be stopped) and sets $port once it is ready.
start_sim() {
  "$sim" --users 500 --logs "$records" --templates-per-user 0 "$@" >"$work/sim.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 1 200); do
    grep -q 'zk-sim ready' "$work/sim.log" 2>/dev/null && break
    sleep 0.05
  done
  port=$(sed -n 's/.*tcp=\([0-9]*\).*/\1/p' "$work/sim.log")
  [ -n "$port" ] || { cat "$work/sim.log"; exit 1; }
}

measure() { python3 bench/measure.py "$@"; }

start_sim --pacing-ms 20
ours=$(measure "$reader" "$port")
theirs=$(measure node "$node_dir/node_read.js" "$port")
stop_sim
start_sim --pacing-ms 0
unpaced=$(measure "$reader" "$port")
stop_sim

python3 - "$records" "$ours" "$theirs" "$unpaced" <<'PY'
import json, sys
records = int(sys.argv[1])
rows = [("punchlink ZkClient (20 ms pacing)", json.loads(sys.argv[2])),
        ("node-zklib 1.3.0  (20 ms pacing)", json.loads(sys.argv[3])),
        ("punchlink ZkClient (no pacing)", json.loads(sys.argv[4]))]
print(f"Reading {records} attendance records from zk-sim over TCP")
print(f"{'reader':36} {'records':>8} {'wall s':>8} {'cpu s':>8} {'rec/s':>10} {'peak RSS MB':>12}")
for name, r in rows:
    got = r["stdout"].split("records=")[-1].split()[0] if "records=" in r["stdout"] else "FAILED"
    rate = records / r["wall_s"] if r["wall_s"] > 0 else 0
    print(f"{name:36} {got:>8} {r['wall_s']:8.2f} {r['cpu_s']:8.3f} {rate:10.0f} {r['peak_rss_mb']:12.1f}")
    if r["exit"] != 0:
        print("   error:", r["stderr"])
ours, theirs = rows[0][1], rows[1][1]
print()
print(f"ours/theirs  wall {ours['wall_s'] / theirs['wall_s']:.2f}   cpu {ours['cpu_s'] / theirs['cpu_s']:.3f}"
      f"   rss {ours['peak_rss_mb'] / theirs['peak_rss_mb']:.2f}")
print(f"targets      cpu ≤ 0.333: {'met' if ours['cpu_s'] <= theirs['cpu_s'] / 3 else 'MISSED'}"
      f"   wall ≤ 1.0: {'met' if ours['wall_s'] <= theirs['wall_s'] else 'MISSED'}"
      f"   our RSS < 20 MB: {'met' if ours['peak_rss_mb'] < 20 else 'MISSED'}")
PY
