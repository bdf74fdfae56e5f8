#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the libFuzzer targets (clang) and
# the sanitizer (ASan+UBSan) preset with warnings as errors, and runs every test with ctest,
# including a bounded fuzz run and the third-party client checks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset fuzz
cmake --build --preset fuzz
cmake --preset ci
cmake --build --preset ci
ctest --preset ci "$@"
