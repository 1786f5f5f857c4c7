#!/usr/bin/env bash
# Shared functions of the mass-remediation drivers (scripts/azure, scripts/gcp). Sourced, not run.
# Messages go to stderr with the driver's name; plans and summaries go to stdout.
# shellcheck disable=SC2034 # variables set here are read by the drivers that source this file

BM_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BM_TOOL=${BM_TOOL:-bootmedic-mass}

say() { printf '[%s] %s\n' "$BM_TOOL" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$BM_TOOL" "$*" >&2; }
die() { # MESSAGE [EXIT]
  printf '[%s] ERROR: %s\n' "$BM_TOOL" "$1" >&2
  exit "${2:-1}"
}
usage_error() { printf '[%s] %s\n(see --help)\n' "$BM_TOOL" "$1" >&2; exit 2; }

need_tool() { # NAME HINT
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH. $2" 2
}

# A name that every run of a driver shares (snapshot and disk names, records); fixed in tests.
run_stamp() { printf '%s' "${BOOTMEDIC_STAMP:-$(date -u +%Y%m%d-%H%M%S)}"; }

# A private folder for key material; removed by the caller's EXIT trap.
private_dir() {
  local d
  d=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/bootmedic-mass.XXXXXX")
  chmod 700 "$d"
  printf '%s' "$d"
}

# The worker-side script with its arguments baked in, base64 on one line: it travels inside a
# run-command / SSM parameter without any quoting trouble ([A-Za-z0-9+/=] only).
worker_payload() { # ARGS... (for scripts/lib/worker-fix.sh)
  {
    printf '#!/usr/bin/env bash\n'
    printf 'set --'
    printf ' %q' "$@"
    printf '\n'
    sed '1d' "$BM_LIB_DIR/worker-fix.sh"
  } | base64 -w0
}

# The one-line shell command that unpacks and runs a payload on the worker; its exit is bootmedic's.
worker_command() { # PAYLOAD
  # shellcheck disable=SC2016 # expands on the worker, not here
  printf 'f=$(mktemp /tmp/bootmedic-worker.XXXXXX) && echo %s | base64 -d > "$f" && bash "$f"; rc=$?; rm -f "$f"; exit $rc' "$1"
}

# bootmedic's exit code as the worker script printed it (BOOTMEDIC_EXIT=N); empty if absent.
worker_exit_code() { # OUTPUT
  printf '%s\n' "$1" | sed -n 's/.*BOOTMEDIC_EXIT=\([0-9][0-9]*\).*/\1/p' | tail -n 1
}

# What bootmedic's exit code means, for the admin.
explain_bootmedic_exit() { # CODE
  case "$1" in
    0) printf 'clean or fixed' ;;
    1) printf 'still needs work or failed (see the report on the worker)' ;;
    2) printf 'refused on the worker, nothing written: the device is not the disk that was attached (size, serial), is the worker'"'"'s own or in use, or the options were wrong (see the worker-fix line above)' ;;
    3) printf 'BitLocker locked and no key opened it (pass --key-bundle/--passphrase-file or --config for the collector; ADE disks need the BEK)' ;;
    4) printf 'no Windows installation found on the disk' ;;
    '') printf 'no result from the worker (bootmedic did not run or its output was lost)' ;;
    *) printf 'unexpected exit %s' "$1" ;;
  esac
}

# Reads targets from a CSV: one "group,name" per line ('#' comments, blank lines and a header
# line starting with a non-identifier are skipped). Prints "group<TAB>name" lines.
# Prints "first<US>second" per target line (US = \037: unlike a tab, `read` keeps an empty first field,
# so a one-column line, a name alone, keeps its empty group/zone/URI).
csv_targets() { # FILE HEADER_WORD
  [ -r "$1" ] || die "cannot read the CSV file $1" 2
  awk -F',' -v header="$2" '
    { sub(/\r$/, "") }
    /^[[:space:]]*(#|$)/ { next }
    NR == 1 && tolower($1) ~ header { next }
    {
      for (i = 1; i <= NF; i++) { gsub(/^[[:space:]"]+|[[:space:]"]+$/, "", $i) }
      if (NF >= 2) { print $1 "\037" $2 } else { print "\037" $1 }
    }' "$1"
}

# The end of a run over many targets: one line per target, then what to do next.
# Usage: print_summary DRY_RUN FAILED_COUNT "VM(s)" "where the IDs are recorded" RESULT_LINE...
# Returns 1 when a target failed (and this was not a dry run).
print_summary() {
  local dry=$1 failed=$2 noun=$3 record_hint=$4
  shift 4
  echo
  echo "SUMMARY"
  printf '  %s\n' "$@"
  if [ "$dry" = 1 ]; then
    echo "DRY RUN: nothing was changed. Run the same command without --dry-run to do it."
  elif [ "$failed" -gt 0 ]; then
    echo "$failed $noun not fixed: see the FAILED lines above for what to do; $record_hint."
    return 1
  fi
  return 0
}
