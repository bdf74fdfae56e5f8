#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the ci preset (clang, ASan+UBSan,
# warnings as errors, the libFuzzer targets beside the tests) and runs every test with ctest,
# including a bounded fuzz run, the third-party client checks and the packages' release build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci "$@"
