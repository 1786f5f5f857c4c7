#!/usr/bin/env bash
# Syntax-checks every PowerShell script of the boot media with the tree-sitter PowerShell grammar
# (Debian has no pwsh), and checks that calls of the scripts' own functions name only parameters
# those functions declare. Needs node and npm (Debian packages nodejs, npm); installs the two npm
# packages into scripts/windows/pscheck/node_modules on first use.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-powershell: $tool is missing; install the Debian packages nodejs and npm" >&2
    exit 2
  fi
done
# the marker is written only after a complete install: an install cut short (a killed run) is redone
if [ ! -f "$here/pscheck/node_modules/.bootmedic-installed" ]; then
  rm -rf "$here/pscheck/node_modules"
  (cd "$here/pscheck" && npm install --no-audit --no-fund --silent)
  touch "$here/pscheck/node_modules/.bootmedic-installed"
fi
mapfile -t files < <(find "$repo/winpe" "$repo/scripts/windows" "$repo/scripts/hyperv" "$repo/scripts/vmware" -name '*.ps1' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "check-powershell: no .ps1 files found under $repo/winpe or $repo/scripts/windows" >&2
  exit 2
fi
NODE_NO_WARNINGS=1 node "$here/pscheck/check.mjs" "${files[@]}"
# the Hyper-V and vSphere scripts and the WinRE stager: every cmdlet parameter as its reference documents it
NODE_NO_WARNINGS=1 node "$here/pscheck/cmdlets.mjs" "$repo/scripts/hyperv/Repair-HyperVVM.ps1" "$repo/scripts/vmware/Repair-VsphereVM.ps1" \
  "$repo/winpe/stage-winre.ps1"
