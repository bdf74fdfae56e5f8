#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the sanitizer (ASan+UBSan) preset
# with warnings as errors, and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci "$@"
