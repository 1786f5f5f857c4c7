#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh

if [ ! -d ../shared/testdata ] && [ -z "${BOOTMEDIC_SHARED:-}" ]; then
  echo "note: ../shared/testdata is absent: tests on real BitLocker volumes and registry hives will be skipped" >&2
fi

# every shell script in the tree, wherever it lives
dirs=()
for d in scripts agent winpe .ci; do [ -d "$d" ] && dirs+=("$d"); done
find "${dirs[@]}" -type f \( -name '*.sh' -o -name bootmedic -o -name run \) -exec shellcheck {} +
mvn -B -ntp verify
