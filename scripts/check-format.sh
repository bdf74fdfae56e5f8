#!/usr/bin/env bash
# Fails if any tracked C++ source differs from what clang-format (config: .clang-format) makes of it.
# Usage: scripts/check-format.sh [clang-format binary]   — run scripts/format.sh to fix.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=${1:-clang-format}
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.h' |
  while read -r file; do [ -f "$file" ] && printf '%s\n' "$file"; done)
# One run over every file (a process per file spent most of its time starting up); the files
# that would change are the ones its diagnostics name.
report=$("$formatter" --dry-run -Werror "${files[@]}" 2>&1 >/dev/null || true)
mapfile -t bad < <(grep -oP '^[^:\s]+(?=:\d+:\d+: (error|warning): code should be clang-formatted)' \
  <<<"$report" | sort -u)
if [ ${#bad[@]} -gt 0 ] && [ -n "${bad[0]}" ]; then
  echo "clang-format would change these files (run scripts/format.sh):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
if [ -n "$report" ]; then
  echo "clang-format failed:" >&2
  echo "$report" | head -20 >&2
  exit 1
fi
echo "clang-format: ${#files[@]} files clean"
