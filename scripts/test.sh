#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh all

# The rescue ISO (issue 26) is built and booted here, not by RescueMediaBootTest (which then skips:
# BOOTMEDIC_RESCUE_BOOTS_BY_SCRIPT). Its base system is the slow, network-bound part (Debian's mirror)
# and needs no jar: it builds in the background while shellcheck and Maven run; the ISO is finished
# and booted after Maven. Needs root (chroot); BOOTMEDIC_SKIP_RESCUE=1 leaves it all out.
# docs/rescue-media.md has the measured times.
rescue=()
if [ -n "${BOOTMEDIC_SKIP_RESCUE:-}" ]; then
  echo "note: BOOTMEDIC_SKIP_RESCUE is set: the rescue ISO is neither built nor booted" >&2
elif [ "$(id -u)" -eq 0 ]; then
  rescue=(env)
elif sudo -n true 2>/dev/null; then
  rescue=(sudo -n) # the cache and mirror settings of root apply
else
  echo "note: not root and no password-less sudo: the rescue ISO is neither built nor booted (scripts/rescue/build.sh needs root)" >&2
fi
if [ "${#rescue[@]}" -gt 0 ]; then
  export BOOTMEDIC_RESCUE_BOOTS_BY_SCRIPT=1
  rescue_base_log=$(mktemp /tmp/bootmedic-rescue-base.XXXXXX.log)
  rescue_start=$SECONDS
  "${rescue[@]}" bash scripts/rescue/build.sh --base-only >"$rescue_base_log" 2>&1 &
  rescue_base_pid=$!
fi

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

# The rescue ISO: wait for its base, finish it with the jar Maven just built, then boot it twice at
# once: OVMF Secure Boot with Microsoft's keys (both practice disks, the BitLocker key from the stick)
# and SeaBIOS with a real collector on this host over the guest's wired DHCP (the key from the
# collector, the reports to it). A failed boot fails here with the guest's serial console tail.
if [ "${#rescue[@]}" -gt 0 ]; then
  if ! wait "$rescue_base_pid"; then
    echo "test.sh: the rescue ISO's base system failed to build:" >&2
    tail -n 40 "$rescue_base_log" >&2
    exit 1
  fi
  echo "test.sh: rescue base ready $((SECONDS - rescue_start)) s after it started (in the background)" >&2
  t=$SECONDS
  "${rescue[@]}" bash scripts/rescue/build.sh target/bootmedic-rescue.iso
  echo "test.sh: rescue ISO finished in $((SECONDS - t)) s" >&2
  t=$SECONDS
  bash scripts/rescue/boot-test.sh uefi-sb,collector target/bootmedic-rescue.iso
  echo "test.sh: rescue boots (uefi-sb and collector at once) passed in $((SECONDS - t)) s" >&2
  rm -f "$rescue_base_log"
fi
