#!/usr/bin/env bash
# Runs a libFuzzer binary for a bounded time over a scratch copy of its seed corpus, so new inputs
# never land in the source tree. A crash fails the run and leaves its input in WORK_DIR; copy it
# into the corpus folder to keep it as a regression test.
# Usage: scripts/run-fuzzer.sh FUZZER SEED_CORPUS WORK_DIR SECONDS
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/artifacts"
cp -r "$seeds/." "$work/corpus/"
exec "$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus"
