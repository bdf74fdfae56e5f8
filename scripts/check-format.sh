#!/usr/bin/env bash
# Fails if any tracked C++ source differs from what clang-format (config: .clang-format) makes of it.
# Usage: scripts/check-format.sh [clang-format binary]   — run scripts/format.sh to fix.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=${1:-clang-format}
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.h')
bad=()
for file in "${files[@]}"; do
  [ -f "$file" ] || continue
  if ! "$formatter" --dry-run -Werror "$file" >/dev/null 2>&1; then
    bad+=("$file")
  fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "clang-format would change these files (run scripts/format.sh):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "clang-format: ${#files[@]} files clean"
