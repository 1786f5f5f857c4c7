#!/usr/bin/env bash
# Runs ON THE GCP WORKER as root. The GCP route (modules/cloud-gcp, WorkerJobs) sends it with every
# 'gcloud compute ssh --command' (or runs it itself with --via local). It runs
# scripts/lib/worker-fix.sh as a job that outlives the ssh session, so a dropped connection or
# a slow disk never makes the driver detach a disk that bootmedic is still writing:
#
#   worker-job.sh start  ID WINDOW PAYLOAD_B64 [DEVICE_NAME]   start job ID (once; a second start only
#                                                reports); the copy is /dev/disk/by-id/google-DEVICE_NAME
#                                                (default: ID), remembered for poll and cancel
#   worker-job.sh poll   ID WINDOW               report job ID, waiting up to WINDOW s for its end
#   worker-job.sh cancel ID GRACE [DEVICE]       stop job ID (TERM, then KILL after GRACE s) and
#                                                check that nothing holds DEVICE any more
#                                                (default: the job's device)
#   worker-job.sh held   DEVICE_NAME             is /dev/disk/by-id/google-DEVICE_NAME mounted or open
#                                                by any process here? BM_DEVICE=busy | BM_DEVICE=free
#
# Last line, for the driver: BM_JOB=done rc=N (with a BM_DEVICE=busy line before it when the
# copy is still mounted or open) | BM_JOB=running | BM_JOB=lost (no result and no
# process: the worker rebooted?) | BM_JOB=missing (never started) | BM_JOB=cancelled |
# BM_JOB=busy (still running or the device is still in use: do NOT detach).
# The job's exit code comes from its rc file, not from its output.
set -euo pipefail

action=${1:-} id=${2:-}
root=${BOOTMEDIC_JOB_ROOT:-/var/lib/bootmedic-gcp}
runner=${BOOTMEDIC_WORKER_SHELL:-bash} # the shell that runs worker-fix.sh (tests put a stand-in here)
[[ "$id" =~ ^[a-z0-9-]{1,63}$ ]] || { echo "worker-job: bad job id '$id'" >&2; echo "BM_JOB=missing"; exit 2; }
d=$root/$id

job_pid() { cat "$d/pid" 2>/dev/null || true; }

# the copy as the worker sees it (Google's udev rules name it after the attach's device name)
dev_path() { printf '%s/dev/disk/by-id/google-%s' "${BOOTMEDIC_TEST_DEV_ROOT:-}" "$1"; } # the same test-only switch as worker-fix.sh
device_name=$id
if [ "$action" = start ] && [ -n "${5:-}" ]; then device_name=$5; fi
if [ "$action" != start ] && [ "$action" != held ] && [ -f "$d/device" ]; then device_name=$(cat "$d/device"); fi
[[ "$device_name" =~ ^[a-z0-9-]{1,63}$ ]] || { echo "worker-job: bad device name '$device_name'" >&2; echo "BM_JOB=missing"; exit 2; }
device=$(dev_path "$device_name")

# Is DEVICE (or a partition of it) still mounted or open on this machine?
device_busy() { # DEVICE
  local real
  [ -e "$1" ] || return 1
  real=$(readlink -f "$1")
  grep -q "^$real" /proc/mounts 2>/dev/null && return 0
  command -v fuser >/dev/null 2>&1 && fuser -s "$real" 2>/dev/null && return 0
  # without fuser: every open file of every process is a /proc/PID/fd/N link
  [ -n "$(find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 -lname "$real" 2>/dev/null | head -n 1)" ] && return 0
  return 1
}
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

report() { # WINDOW
  local end=$((SECONDS + $1)) pid
  while :; do
    if [ -f "$d/rc" ]; then
      cat "$d/out" 2>/dev/null || true
      # the job ended; if something still has the copy mounted or open, the driver must not detach it
      if device_busy "$device"; then echo "worker-job: $device is still mounted or open" >&2; echo "BM_DEVICE=busy"; fi
      echo "BM_JOB=done rc=$(cat "$d/rc")"
      return 0
    fi
    if [ ! -d "$d" ]; then echo "BM_JOB=missing"; return 0; fi
    pid=$(job_pid)
    if ! alive "$pid"; then
      [ -f "$d/rc" ] && continue
      echo "BM_JOB=lost"
      return 0
    fi
    if [ "$SECONDS" -ge "$end" ]; then echo "BM_JOB=running pid=$pid"; return 0; fi
    sleep 1
  done
}

case "$action" in
  start)
    window=${3:-0} payload=${4:-}
    if [ -d "$d" ]; then
      echo "worker-job: job $id was started before; reporting it instead of starting it again" >&2
    else
      mkdir -p "$root"
      mkdir -m 700 "$d"
      printf '%s\n' "$device_name" >"$d/device"
      printf '%s' "$payload" | base64 -d >"$d/worker-fix.sh"
      # its own session: no SIGHUP when the ssh session ends
      # shellcheck disable=SC2016 # expands in the job's shell
      setsid bash -c '"$0" "$1/worker-fix.sh" >"$1/out" 2>&1; echo $? >"$1/rc.tmp"; mv "$1/rc.tmp" "$1/rc"' \
        "$runner" "$d" </dev/null >/dev/null 2>&1 &
      echo $! >"$d/pid"
    fi
    report "$window"
    ;;
  poll)
    report "${3:-0}"
    ;;
  cancel)
    grace=${3:-30} device=${4:-$device}
    pid=$(job_pid)
    if [ -f "$d/rc" ]; then
      report 0
      exit 0
    fi
    if alive "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 "$grace"); do alive "$pid" || break; sleep 1; done
      if alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; sleep 2; fi
    fi
    if alive "$pid"; then echo "worker-job: job $id (pid $pid) does not stop" >&2; echo "BM_JOB=busy"; exit 0; fi
    if device_busy "$device"; then
      echo "worker-job: $device is still mounted or open on the worker" >&2
      echo "BM_JOB=busy"
      exit 0
    fi
    [ -d "$d" ] && echo 124 >"$d/rc"
    echo "BM_JOB=cancelled"
    ;;
  held)
    if device_busy "$device"; then echo "BM_DEVICE=busy"; else echo "BM_DEVICE=free"; fi
    ;;
  *)
    echo "worker-job: unknown action '$action' (start, poll, cancel or held)" >&2
    echo "BM_JOB=missing"
    exit 2
    ;;
esac
