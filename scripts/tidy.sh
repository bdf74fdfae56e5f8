#!/usr/bin/env bash
# Runs clang-tidy (config: .clang-tidy) over our sources using the dev build's compile database.
# Usage: scripts/tidy.sh [files...]   (defaults to every .cpp under common/ agent/ relay/ tests/)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset dev >/dev/null
if [ $# -eq 0 ]; then
  mapfile -t files < <(git ls-files 'common/*.cpp' 'agent/*.cpp' 'relay/*.cpp' 'tests/*.cpp')
else
  files=("$@")
fi
clang-tidy -p build/dev --quiet "${files[@]}"
