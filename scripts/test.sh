#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh all

if [ ! -d ../shared/testdata ] && [ -z "${BOOTMEDIC_SHARED:-}" ]; then
  echo "note: ../shared/testdata is absent: tests on real BitLocker volumes and registry hives will be skipped" >&2
fi

# every shell script in the tree, wherever it lives
dirs=()
for d in scripts agent winpe .ci; do [ -d "$d" ] && dirs+=("$d"); done
find "${dirs[@]}" -type f \( -name '*.sh' -o -name bootmedic -o -name run \) -exec shellcheck {} +
# PowerShell of the boot media: no pwsh on Debian, so a tree-sitter grammar parses it (needs node + npm)
if command -v node >/dev/null && command -v npm >/dev/null; then
  bash scripts/windows/check-powershell.sh
else
  echo "note: node/npm not found: PowerShell syntax check skipped (install nodejs and npm to run it)" >&2
fi

# the ten slowest test classes at the end, pass or fail, so the next slow test is seen when it arrives
trap 'bash scripts/check/slowest-tests.sh || true' EXIT
# -T 2: after core and agent, the collector and the cloud modules build and test side by side
# (each module's tests in their own JVM, as without -T)
./mvnw -B -ntp -T 2 verify
# what the boot media carry: the agent jar's size and content, and that it runs on the WinPE module list
bash scripts/check/agent-size.sh
