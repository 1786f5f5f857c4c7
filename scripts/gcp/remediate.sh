#!/usr/bin/env bash
# Repairs Compute Engine Windows VMs whose boot disk boot-loops on a faulty driver/content file,
# with one Linux worker VM in the same zone doing the repair (the route of CrowdStrike's
# gcp-cf-remediation, with bootmedic doing the repair and a rollback kept):
#
#   all VMs first:  describe -> snapshot every boot disk -> wait until every snapshot is READY
#   then per VM:    copy disk from the snapshot (same type, size, guest OS features, licences,
#                   provisioned IOPS/throughput, CMEK key) -> attach it to the worker under a
#                   unique device name (/dev/disk/by-id/google-NAME) -> bootmedic fix --device
#                   there (a job on the worker, polled to its end) -> detach -> stop the VM ->
#                   swap the boot disk (same device name, same auto-delete) -> start -> labels
#
# The original boot disk is never written; after the swap it is detached, kept and labelled
# (bootmedic-original-of=VM), and the VM's label bootmedic-original-disk names it for 'rollback'.
# A VM that already carries that label was remediated before: it is skipped unless --force
# (and its original's label is never overwritten). Confidential VMs, VMs outside the worker's
# zone, regional and CSEK boot disks are refused before anything is changed.
#
# Usage:
#   remediate.sh fix --zone ZONE --worker NAME (targets) [options]
#   remediate.sh rollback --zone ZONE --instance NAME [--dry-run]
#   remediate.sh resume  [--record FILE] [--dry-run]  continue the VMs a run left unfinished
#   remediate.sh cleanup [--record FILE] [--dry-run]  bring them back to a safe state instead
# Targets (one or more):
#   --instance NAME      (repeatable) a VM in ZONE
#   --label KEY=VALUE    every VM in ZONE with that label
#   --csv FILE           lines "zone,instance" (a header line is skipped); other zones are refused
# Options:
#   --project P          passed to every gcloud call (default: gcloud's core/project)
#   --via ssh|local      how bootmedic is started on the worker: 'gcloud compute ssh WORKER
#                        --command' (default), or 'local' when this script runs ON the worker
#                        (as CrowdStrike's script does; needs sudo there)
#   --ssh-arg ARG        extra argument for gcloud compute ssh (repeatable), e.g.
#                        --ssh-arg=--tunnel-through-iap or --ssh-arg=--internal-ip
#   --timeout SECONDS    deadline for bootmedic on the worker, per VM (default 3600); after it the
#                        job is stopped and the copy detached only once nothing holds it
#   --stop-first         stop every VM before its snapshot (no writes lost between snapshot and
#                        swap; longer downtime). Default: snapshot first, stop just before the swap
#   --force              remediate a VM again that a previous run already swapped
#   --bootmedic PATH     launcher on the worker (default: bootmedic on PATH, else /opt/bootmedic/bootmedic)
#   --config F | --key-bundle F | --passphrase-file F | --outbox DIR
#                        passed to bootmedic; PATHS ON THE WORKER (BitLocker keys, collector)
#   --record FILE        one line per VM and step; default ./bootmedic-gcp-runs.tsv
#   --dry-run            list the VMs and what would be done; no change anywhere
# Environment (tests): BOOTMEDIC_GCP_POLL_SECONDS (snapshot/job poll pause, default 10),
#   BOOTMEDIC_GCP_POLL_WINDOW (seconds one ssh call waits for the job, default 60),
#   BOOTMEDIC_GCP_SNAPSHOT_TIMEOUT (default 7200), BOOTMEDIC_GCP_CANCEL_GRACE (default 60).
# Exit: 0 every VM fixed (or nothing to do), 1 some VM failed, 2 usage, 3 gcloud has no account/project.
set -euo pipefail
# shellcheck disable=SC2034
BM_TOOL=bootmedic-gcp # read by the functions in scripts/lib/common.sh
# shellcheck disable=SC1091 # shellcheck checks scripts/lib/common.sh on its own
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
self="bash scripts/gcp/remediate.sh"

command_name=fix
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then command_name=$1; shift; fi

zone="" worker="" instances=() label="" csv="" project_args=() via=ssh ssh_args=() timeout=3600
stop_first=0 force=0 resuming=0 bootmedic_bin="" record="./bootmedic-gcp-runs.tsv" dry_run=0
pass=()
poll_seconds=${BOOTMEDIC_GCP_POLL_SECONDS:-10}
poll_window=${BOOTMEDIC_GCP_POLL_WINDOW:-60}
snapshot_timeout=${BOOTMEDIC_GCP_SNAPSHOT_TIMEOUT:-7200}
cancel_grace=${BOOTMEDIC_GCP_CANCEL_GRACE:-60}

help() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --zone) zone=${2:?}; shift 2 ;;
      --worker) worker=${2:?}; shift 2 ;;
      --instance) instances+=("${2:?}"); shift 2 ;;
      --label) label=${2:?}; shift 2 ;;
      --csv) csv=${2:?}; shift 2 ;;
      --project) project_args=(--project "${2:?}"); shift 2 ;;
      --via) via=${2:?}; shift 2 ;;
      --ssh-arg) ssh_args+=("${2:?}"); shift 2 ;;
      --ssh-arg=*) ssh_args+=("${1#--ssh-arg=}"); shift ;;
      --timeout) timeout=${2:?}; shift 2 ;;
      --stop-first) stop_first=1; shift ;;
      --force) force=1; shift ;;
      --bootmedic) bootmedic_bin=${2:?}; shift 2 ;;
      --config | --key-bundle | --passphrase-file | --outbox) pass+=("$1" "${2:?}"); shift 2 ;;
      --record) record=${2:?}; shift 2 ;;
      --dry-run) dry_run=1; shift ;;
      -h | --help) help; exit 0 ;;
      *) usage_error "unknown option: $1" ;;
    esac
  done
}

gc() {
  if [ -n "${BOOTMEDIC_GCP_TIMING:-}" ]; then # tests and benchmarks: how long each gcloud call takes
    local t0=$EPOCHREALTIME rc=0
    gcloud "$@" "${project_args[@]}" --quiet || rc=$?
    printf '%s\t%s\t%s\n' "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')" "$rc" "$*" | cut -c1-160 >>"$BOOTMEDIC_GCP_TIMING"
    return "$rc"
  fi
  gcloud "$@" "${project_args[@]}" --quiet
}
base() { printf '%s' "${1##*/}"; }

# ---- facts (read-only calls) --------------------------------------------------------------

# Prints "key<TAB>value" lines from gcloud's JSON for an instance (MODE instance) or a disk.
json_facts() { # MODE
  python3 -c '
import json, sys
mode = sys.argv[1]
o = json.load(sys.stdin)
b = lambda s: (s or "").rsplit("/", 1)[-1]
if mode == "instance":
    boot = [d for d in o.get("disks", []) if d.get("boot")]
    d = boot[0] if boot else {}
    c = o.get("confidentialInstanceConfig") or {}
    conf = c.get("enableConfidentialCompute") or c.get("confidentialInstanceType", "") not in ("", "CONFIDENTIAL_INSTANCE_TYPE_UNSPECIFIED")
    labels = o.get("labels") or {}
    f = {"status": o.get("status", ""), "zone": b(o.get("zone")), "confidential": "yes" if conf else "no",
         "boot_source": d.get("source", ""), "boot_device": d.get("deviceName", ""),
         "boot_auto_delete": "yes" if d.get("autoDelete") else "no",
         "label_original": labels.get("bootmedic-original-disk", ""), "label_run": labels.get("bootmedic-run", ""),
         "attached": " ".join(b(x.get("source")) for x in o.get("disks", []))}
else:
    k = o.get("diskEncryptionKey") or {}
    kms = k.get("kmsKeyName", "").split("/cryptoKeyVersions/")[0]
    feats = [x.get("type", "") for x in o.get("guestOsFeatures", [])]
    lic = o.get("licenses", [])
    win = "WINDOWS" in feats or any("windows" in x.lower() for x in lic)
    f = {"name": o.get("name", ""), "zone": b(o.get("zone")), "region": b(o.get("region")), "type": b(o.get("type")),
         "size": o.get("sizeGb", ""), "features": ",".join(feats), "licenses": ",".join(lic),
         "iops": o.get("provisionedIops", ""), "throughput": o.get("provisionedThroughput", ""),
         "kms": kms, "csek": "yes" if (k.get("sha256") or k.get("rsaEncryptedKey")) and not kms else "no",
         "windows": "yes" if win else "no", "status": o.get("status", "")}
for key, v in f.items():
    print("%s\t%s" % (key, str(v).replace("\t", " ").replace("\n", " ")))
' "$1"
}

# Sets F_<key> for every fact of one JSON document.
load_facts() { # MODE JSON
  local k v
  while IFS=$'\t' read -r k v; do
    printf -v "F_$k" '%s' "$v"
  done < <(printf '%s' "$2" | json_facts "$1")
}

# every fact json_facts can print, so that a missing one reads as empty
# shellcheck disable=SC2034 # F_zone, F_name, F_region: printed for completeness
F_status="" F_zone="" F_confidential="" F_boot_source="" F_boot_device="" F_boot_auto_delete="" F_label_original=""
# shellcheck disable=SC2034
F_label_run="" F_attached="" F_name="" F_region="" F_type="" F_size="" F_features="" F_licenses="" F_iops=""
F_throughput="" F_kms="" F_csek="" F_windows=""

worker_attached=""
read_worker() {
  local j
  j=$(gc compute instances describe "$worker" --zone "$zone" --format=json) ||
    die "cannot read the worker VM $worker in zone $zone: create a Linux VM there with bootmedic in /opt/bootmedic (docs/mass-remediation.md, GCP)" 1
  load_facts instance "$j"
  [ "$F_confidential" = no ] || die "the worker $worker is a Confidential VM; use an ordinary Linux VM as worker" 2
  [ "$F_status" = RUNNING ] || die "the worker $worker is $F_status, not RUNNING: start it (gcloud compute instances start $worker --zone $zone) and run this again" 1
  worker_attached=" $F_attached "
}

# ---- per-target state ---------------------------------------------------------------------
# T_* arrays, one entry per target: what describe found and what the run created.
T_zone=() T_name=() T_state=() T_why=() T_orig=() T_boot=() T_dev=() T_auto=()
T_phase=() T_type=() T_size=() T_feat=() T_lic=() T_iops=() T_thr=() T_kms=() T_snap=() T_copy=() T_step=()
T_result=()
stamp=""

add_target() { # ZONE NAME
  local i=${#T_name[@]}
  T_zone[i]=$1 T_name[i]=$2 T_state[i]=ok T_why[i]="" T_orig[i]="" T_boot[i]="" T_dev[i]="" T_auto[i]=no
  T_type[i]="" T_size[i]="" T_feat[i]="" T_lic[i]="" T_iops[i]="" T_thr[i]="" T_kms[i]=""
  T_snap[i]="" T_copy[i]="" T_step[i]=read T_result[i]="" T_phase[i]=fresh
}

# Prints "zone<TAB>name" for every target VM.
list_targets() {
  local n
  for n in "${instances[@]}"; do printf '%s\t%s\n' "$zone" "$n"; done
  if [ -n "$csv" ]; then
    csv_targets "$csv" 'zone' | while IFS=$'\037' read -r z n; do
      printf '%s\t%s\n' "${z:-$zone}" "$n"
    done
  fi
  if [ -n "$label" ]; then
    local k=${label%%=*} v=${label#*=}
    gc compute instances list --zones "$zone" --filter="labels.$k=$v" --format='value(name)' |
      while IFS= read -r n; do [ -n "$n" ] && printf '%s\t%s\n' "$zone" "$n"; done
  fi
}

refuse() { T_state[$1]=refused; T_why[$1]=$2; }

# Describes target I and its boot disk; marks it refused/skipped/done with the reason.
describe_target() { # I
  local i=$1 j
  local z=${T_zone[i]} n=${T_name[i]}
  if [ "$z" != "$zone" ]; then
    refuse "$i" "the VM is in zone $z, the worker $worker in $zone: a zonal disk only attaches to a VM in its own zone. Run again with a worker in $z (--zone $z --worker ...)"
    return 0
  fi
  if ! j=$(gc compute instances describe "$n" --zone "$z" --format=json); then
    T_state[i]=failed T_why[i]="cannot read the VM (gcloud compute instances describe failed; see above)"
    return 0
  fi
  load_facts instance "$j"
  T_dev[i]=$F_boot_device T_auto[i]=$F_boot_auto_delete T_boot[i]=$(base "$F_boot_source")
  if [ "$F_confidential" = yes ]; then
    refuse "$i" "it is a Confidential VM: its boot disk is bound to confidential computing and this route does not attach it to an ordinary worker. Repair it by hand (docs/mass-remediation.md, GCP)"
    return 0
  fi
  # (resume goes on with its own run's VMs: the labels it finds there are its own)
  if [ -n "$F_label_original" ] && [ "$force" = 0 ] && { [ "$resuming" = 0 ] || [ "$F_label_run" != "$stamp" ]; }; then
    T_state[i]="done" T_why[i]="already remediated (label bootmedic-original-disk=$F_label_original): skipped. Roll back with '$self rollback --zone $z --instance $n', or pass --force to repair its current disk again"
    return 0
  fi
  case "$F_status" in
    RUNNING | TERMINATED | STOPPED | STAGING | PROVISIONING) ;;
    *) refuse "$i" "the VM is $F_status; only RUNNING or stopped (TERMINATED) VMs are handled"; return 0 ;;
  esac
  T_phase[i]=fresh
  if [ -n "${RESUME_COPY[$n]:-}" ]; then # resume: where did the run stop?
    if [ -z "$F_boot_source" ]; then
      T_phase[i]=unbooted T_dev[i]=${RESUME_DEV[$n]} T_auto[i]=${RESUME_AUTO[$n]}
    elif [ "${T_boot[i]}" = "${RESUME_COPY[$n]}" ]; then
      T_phase[i]=swapped
    fi
  fi
  if [ -z "$F_boot_source" ] && [ "${T_phase[i]}" != unbooted ]; then
    refuse "$i" "the VM has no boot disk attached"
    return 0
  fi
  if [[ "$F_boot_source" == */regions/* ]]; then
    refuse "$i" "its boot disk is a regional disk; this route copies zonal disks only"
    return 0
  fi
  local facts_of=${T_boot[i]}
  [ "${T_phase[i]}" = unbooted ] && facts_of=${RESUME_COPY[$n]}
  if ! j=$(gc compute disks describe "$facts_of" --zone "$z" --format=json); then
    T_state[i]=failed T_why[i]="cannot read its boot disk $facts_of (gcloud compute disks describe failed)"
    return 0
  fi
  load_facts disk "$j"
  if [ "$F_csek" = yes ]; then
    refuse "$i" "its boot disk uses a customer-supplied key (CSEK); the key would have to be on the command line. Repair it by hand"
    return 0
  fi
  if [ "$F_windows" = no ]; then
    T_state[i]=skipped T_why[i]="its boot disk is not Windows (no WINDOWS guest OS feature or Windows licence)"
    return 0
  fi
  # a previous run's copy is the boot disk now (--force, or resume): the original stays the one in the label
  T_orig[i]=${F_label_original:-${T_boot[i]}}
  [ -n "${RESUME_ORIG[$n]:-}" ] && T_orig[i]=${RESUME_ORIG[$n]}
  T_type[i]=$F_type T_size[i]=$F_size T_feat[i]=$F_features T_lic[i]=$F_licenses
  T_iops[i]=$F_iops T_thr[i]=$F_throughput T_kms[i]=$F_kms
  local short=${T_boot[i]:0:36}
  T_snap[i]=${RESUME_SNAP[$n]:-"${short}-bm-$stamp"}
  T_copy[i]=${RESUME_COPY[$n]:-"${short}-bm-$stamp-fix"}
}

# ---- record ---------------------------------------------------------------------------------

record_line() { # I RESULT
  local i=$1
  [ "$dry_run" = 1 ] && return 0
  if [ ! -f "$record" ]; then
    printf 'time\tzone\tinstance\tresult\tstep\toriginal_disk\tsnapshot\tcopy_disk\tboot_device\tauto_delete\tworker\tstamp\n' >>"$record"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "${T_zone[i]}" "${T_name[i]}" "$2" \
    "${T_step[i]}" "${T_orig[i]:-${T_boot[i]}}" "${T_snap[i]}" "${T_copy[i]}" "${T_dev[i]}" "${T_auto[i]}" "$worker" "$stamp" >>"$record"
}

current=-1
set_step() { # I STEP : the record always says where each VM is
  T_step[$1]=$2
  record_line "$1" in-progress
}

# ---- the worker job -------------------------------------------------------------------------

# Runs scripts/gcp/worker-job.sh on the worker with ACTION ARGS; prints its output.
worker_call() { # ACTION ARGS...
  if [ "$via" = local ]; then
    if [ "$(id -u)" = 0 ]; then bash "$here/worker-job.sh" "$@"; else sudo bash "$here/worker-job.sh" "$@"; fi
  else
    local job cmd
    job=$(base64 -w0 <"$here/worker-job.sh")
    cmd="echo $job | base64 -d | sudo bash -s --$(printf ' %q' "$@")"
    gc compute ssh "$worker" --zone "$zone" "${ssh_args[@]}" --command "$cmd"
  fi
}

job_state() { printf '%s\n' "$1" | sed -n 's/^BM_JOB=\([a-z-]*\).*/\1/p' | tail -n 1; }

worker_rc="" job_end=""
# Runs bootmedic on the copy attached as DEVICE; sets worker_rc.
# Returns 0 when the job ended (worker_rc says how), 1 when it is certainly not running any more
# (lost, or cancelled at the deadline: the copy may be detached), 2 when it may still run (do NOT detach).
run_job() { # I DEVICE
  local i=$1 dev=$2 args payload out state deadline action=start started=0 rc
  args=(--gce-device-name "$dev" --expect-size "$((T_size[i] * 1073741824))")
  [ -n "$bootmedic_bin" ] && args+=(--bootmedic "$bootmedic_bin")
  args+=("${pass[@]}")
  payload=$(worker_payload "${args[@]}")
  deadline=$((SECONDS + timeout))
  worker_rc="" job_end=""
  while :; do
    rc=0
    if [ "$action" = start ]; then
      out=$(worker_call start "$dev" "$poll_window" "$payload") || rc=$?
    else
      out=$(worker_call poll "$dev" "$poll_window") || rc=$?
    fi
    state=$(job_state "$out")
    job_end=$state
    case "$state" in
      done)
        printf '%s\n' "$out" | sed '/^BM_JOB=/d; /^BM_DEVICE=/d; s/^/    worker| /'
        worker_rc=$(printf '%s\n' "$out" | sed -n 's/^BM_JOB=done rc=\([0-9]*\).*/\1/p' | tail -n 1)
        if printf '%s\n' "$out" | grep -q '^BM_DEVICE=busy'; then
          say "${T_name[i]}: bootmedic ended, but the copy is still mounted or open on the worker"
          job_end=busy
          return 2
        fi
        return 0
        ;;
      running) started=1 action=poll ;;
      lost)
        say "${T_name[i]}: the job on the worker ended without a result (did the worker reboot?); it is not running"
        return 1
        ;;
      missing)
        if [ "$started" = 1 ]; then say "${T_name[i]}: the job disappeared from the worker"; return 1; fi
        action=start
        ;;
      *) # no answer (ssh failed): the job may or may not run; ask again, never assume it ended
        warn "${T_name[i]}: no answer from the worker (exit $rc); asking again"
        [ "$action" = start ] && action=poll started=0
        ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "${T_name[i]}: bootmedic did not finish within ${timeout}s: stopping it on the worker"
      out=$(worker_call cancel "$dev" "$cancel_grace") || true
      state=$(job_state "$out")
      job_end=$state
      case "$state" in
        cancelled) return 1 ;;
        done) worker_rc=$(printf '%s\n' "$out" | sed -n 's/^BM_JOB=done rc=\([0-9]*\).*/\1/p' | tail -n 1); return 0 ;;
        *) return 2 ;;
      esac
    fi
    sleep "$poll_seconds"
  done
}

# ---- phases ---------------------------------------------------------------------------------

snapshot_all() {
  local i
  for i in "${!T_name[@]}"; do
    [ "${T_state[i]}" = ok ] || continue
    current=$i
    if [ "$stop_first" = 1 ]; then
      set_step "$i" stop
      say "${T_name[i]}: stopping before the snapshot (--stop-first)"
      gc compute instances stop "${T_name[i]}" --zone "$zone" || { T_state[i]=failed T_why[i]="the stop failed"; record_line "$i" failed; continue; }
    fi
    set_step "$i" snapshot
    say "${T_name[i]}: snapshot ${T_snap[i]} of ${T_boot[i]}"
    if ! gc compute snapshots create "${T_snap[i]}" --source-disk "${T_boot[i]}" --source-disk-zone "$zone" \
      --labels "bootmedic-instance=${T_name[i]},bootmedic-source-disk=${T_boot[i]},bootmedic-run=$stamp" --async; then
      # a rerun (resume) finds its snapshot there already
      if ! gc compute snapshots describe "${T_snap[i]}" --format='value(name)' >/dev/null 2>&1; then
        T_state[i]=failed T_why[i]="the snapshot could not be created (see the gcloud error above)"
        record_line "$i" failed
      fi
    fi
  done
  current=-1
  # wait for every snapshot: READY, or FAILED (that VM stops here, untouched); one list call per
  # round for all of them (the run's label), not one describe per VM
  local pending=1 end=$((SECONDS + snapshot_timeout)) status listing name
  declare -A snap_status=()
  while [ "$pending" = 1 ]; do
    pending=0
    snap_status=()
    listing=$(gc compute snapshots list --filter="labels.bootmedic-run=$stamp" --format='value(name,status)') || listing=""
    while IFS=$'\t' read -r name status; do
      [ -n "$name" ] && snap_status[$name]=$status
    done <<<"$listing"
    for i in "${!T_name[@]}"; do
      [ "${T_state[i]}" = ok ] || continue
      [ "${T_step[i]}" = snapshot ] || continue
      status=${snap_status[${T_snap[i]}]:-}
      case "$status" in
        READY) T_step[i]=snapshot-ready; say "${T_name[i]}: snapshot ${T_snap[i]} is READY"; record_line "$i" in-progress ;;
        FAILED)
          T_state[i]=failed T_why[i]="snapshot ${T_snap[i]} FAILED; nothing else was changed. Delete it (gcloud compute snapshots delete ${T_snap[i]}) and run again for this VM"
          record_line "$i" failed
          ;;
        *) pending=1 ;;
      esac
    done
    if [ "$pending" = 1 ]; then
      if [ "$SECONDS" -ge "$end" ]; then
        for i in "${!T_name[@]}"; do
          if [ "${T_state[i]}" = ok ] && [ "${T_step[i]}" = snapshot ]; then
            T_state[i]=failed T_why[i]="snapshot ${T_snap[i]} was not READY within ${snapshot_timeout}s; nothing else was changed. Run again (resume) when it is"
            record_line "$i" failed
          fi
        done
        break
      fi
      sleep "$poll_seconds"
    fi
  done
}

attached_to_worker() { # DISK
  local j
  j=$(gc compute instances describe "$worker" --zone "$zone" --format='value(disks[].source)') || return 1
  [[ " $(printf '%s' "$j" | tr ';' '\n' | sed 's#.*/##' | tr '\n' ' ') " == *" $1 "* ]]
}

# The sequence for target I after its snapshot is READY; returns non-zero at the first failure.
remediate_steps() { # I
  local i=$1 n=${T_name[$1]} copy=${T_copy[$1]}
  current=$i
  if [ "${T_phase[i]}" = fresh ]; then
    repair_copy "$i" || return 1
  else
    say "$n: the repaired copy $copy is past its repair (resume); going on with the swap"
  fi
  swap_in "$i"
}

# Copy, attach to the worker, bootmedic, detach.
repair_copy() { # I
  local i=$1 n=${T_name[$1]} copy=${T_copy[$1]} j args=()
  set_step "$i" create-copy
  args=(--zone "$zone" --source-snapshot "${T_snap[i]}" --type "${T_type[i]}" --size "${T_size[i]}GB"
    --labels "bootmedic-copy-of=$n,bootmedic-run=$stamp")
  [ -n "${T_feat[i]}" ] && args+=(--guest-os-features "${T_feat[i]}")
  [ -n "${T_lic[i]}" ] && args+=(--licenses "${T_lic[i]}")
  [ -n "${T_iops[i]}" ] && args+=(--provisioned-iops "${T_iops[i]}")
  [ -n "${T_thr[i]}" ] && args+=(--provisioned-throughput "${T_thr[i]}")
  [ -n "${T_kms[i]}" ] && args+=(--kms-key "${T_kms[i]}")
  say "$n: copy $copy from the snapshot (${T_type[i]}, ${T_size[i]} GB${T_kms[i]:+, CMEK})"
  if ! gc compute disks create "$copy" "${args[@]}"; then
    j=$(gc compute disks describe "$copy" --zone "$zone" --format='value(status)' 2>/dev/null) || return 1
    [ "$j" = READY ] || return 1
    say "$n: the copy $copy exists from an earlier run; using it"
  fi
  if [[ "$worker_attached" != *" $copy "* ]]; then
    set_step "$i" attach
    say "$n: attaching $copy to the worker $worker as device $copy"
    gc compute instances attach-disk "$worker" --zone "$zone" --disk "$copy" --device-name "$copy" || return 1
    worker_attached="$worker_attached$copy "
  fi
  set_step "$i" bootmedic
  say "$n: bootmedic fix --device /dev/disk/by-id/google-$copy on the worker (via $via)"
  local jr=0
  run_job "$i" "$copy" || jr=$?
  if [ "$jr" = 2 ]; then
    T_why[i]="bootmedic may STILL be running on the worker, or the copy is still mounted or open there: $copy stays attached to $worker. When nothing uses it any more: $self cleanup --record $record"
    return 1
  fi
  if [ "$jr" = 0 ] && [ "$worker_rc" = 0 ]; then
    say "$n: bootmedic fixed the copy"
  fi
  set_step "$i" detach
  say "$n: detaching $copy from the worker"
  gc compute instances detach-disk "$worker" --zone "$zone" --disk "$copy" || {
    T_why[i]="the copy $copy is STILL ATTACHED to $worker: gcloud compute instances detach-disk $worker --zone $zone --disk $copy"
    return 1
  }
  worker_attached=${worker_attached/ $copy / }
  if [ "$jr" != 0 ] || [ "$worker_rc" != 0 ]; then
    T_step[i]=bootmedic
    case "$job_end" in
      cancelled) T_why[i]="bootmedic did not finish within ${timeout}s; it was stopped on the worker and nothing held the copy any more" ;;
      lost | missing) T_why[i]="the job on the worker ended without a result (worker rebooted?)" ;;
      *) T_why[i]="bootmedic on the worker: exit ${worker_rc:-none}: $(explain_bootmedic_exit "$worker_rc")" ;;
    esac
    T_why[i]+=". The VM and its boot disk ${T_orig[i]} are untouched; the copy $copy is detached and unused"
    return 1
  fi
}

# Stop, label, boot disk -> copy (device name, auto-delete), start. Each step is skipped when done.
swap_in() { # I
  local i=$1 n=${T_name[$1]} copy=${T_copy[$1]}
  set_step "$i" stop
  say "$n: stopping"
  gc compute instances stop "$n" --zone "$zone" || return 1
  # rollback facts go on the VM and the original BEFORE the swap (never overwritten by a rerun)
  set_step "$i" label
  gc compute disks add-labels "${T_orig[i]}" --zone "$zone" --labels "bootmedic-original-of=$n,bootmedic-run=$stamp" || return 1
  gc compute instances add-labels "$n" --zone "$zone" \
    --labels "bootmedic-original-disk=${T_orig[i]},bootmedic-repaired-disk=$copy,bootmedic-run=$stamp" || return 1
  set_step "$i" swap-detach
  say "$n: swapping the boot disk ${T_boot[i]:-(none)} -> $copy (device name ${T_dev[i]}, auto-delete ${T_auto[i]})"
  if [ "${T_phase[i]}" = fresh ]; then
    gc compute instances detach-disk "$n" --zone "$zone" --disk "${T_boot[i]}" || return 1
  fi
  set_step "$i" swap-attach
  if [ "${T_phase[i]}" != swapped ]; then
    gc compute instances attach-disk "$n" --zone "$zone" --disk "$copy" --boot --device-name "${T_dev[i]}" || return 1
  fi
  if [ "${T_auto[i]}" = yes ]; then # attachDisk leaves autoDelete false
    set_step "$i" auto-delete
    gc compute instances set-disk-auto-delete "$n" --zone "$zone" --disk "$copy" --auto-delete || return 1
  fi
  set_step "$i" start
  say "$n: starting"
  gc compute instances start "$n" --zone "$zone" || return 1
  T_step[i]="done"
}

explain_failure() { # I
  local i=$1 n=${T_name[$1]}
  echo "FAILED $n at step '${T_step[i]}'${T_why[i]:+: ${T_why[i]}}."
  case "${T_step[i]}" in
    create-copy | attach | bootmedic | detach | stop | label)
      echo "  The original boot disk ${T_orig[i]} is untouched and still the VM's boot disk."
      echo "  Snapshot kept: ${T_snap[i]}. Next: fix the cause above and run the same command again for $n."
      ;;
    swap-detach | swap-attach | auto-delete | start)
      echo "  The swap did not finish. Bring the VM to a known state: $self cleanup --record $record"
      echo "  (or go on: $self resume --record $record). The original ${T_orig[i]} is unchanged."
      ;;
  esac
}

print_plan() { # I
  local i=$1
  echo "PLAN ${T_name[i]} (zone $zone, boot disk ${T_boot[i]}: ${T_type[i]}, ${T_size[i]} GB${T_kms[i]:+, CMEK ${T_kms[i]}}, device ${T_dev[i]}, auto-delete ${T_auto[i]})"
  [ "$stop_first" = 1 ] && echo "  0. gcloud compute instances stop ${T_name[i]} (--stop-first)"
  echo "  1. snapshot ${T_boot[i]} -> ${T_snap[i]} (all VMs first; wait until READY)"
  echo "  2. disk ${T_copy[i]} from it (type ${T_type[i]}, ${T_size[i]} GB${T_feat[i]:+, guest OS features ${T_feat[i]}}${T_lic[i]:+, licences}${T_iops[i]:+, ${T_iops[i]} IOPS}${T_thr[i]:+, ${T_thr[i]} MB/s})"
  echo "  3. attach to worker $worker as device ${T_copy[i]}; bootmedic fix --device /dev/disk/by-id/google-${T_copy[i]} via $via${pass[*]:+ with ${pass[*]}}"
  echo "  4. detach; stop ${T_name[i]}; boot disk ${T_boot[i]} -> ${T_copy[i]}; start; labels bootmedic-original-disk=${T_orig[i]}"
}

# ---- signals --------------------------------------------------------------------------------

on_signal() { # SIGNAL
  trap - INT TERM
  local i=$current
  echo
  warn "interrupted by SIG$1"
  if [ "$i" -ge 0 ]; then
    case "${T_step[i]}" in
      swap-attach)
        # the VM has no boot disk now: put the original back so the record's "original is the boot disk" holds
        warn "${T_name[i]}: putting the original boot disk ${T_boot[i]} back"
        if gc compute instances attach-disk "${T_name[i]}" --zone "$zone" --disk "${T_boot[i]}" --boot --device-name "${T_dev[i]}"; then
          T_step[i]=stop
        fi
        ;;
    esac
    record_line "$i" interrupted
    echo "INTERRUPTED ${T_name[i]} at step '${T_step[i]}'."
    [ "${T_step[i]}" = bootmedic ] && echo "  bootmedic may still be running on the worker; the copy ${T_copy[i]} stays attached until it ends."
  fi
  echo "The record $record says where every VM is. Go on: $self resume --record $record; or bring them to a safe state: $self cleanup --record $record"
  exit 130
}

# ---- commands -------------------------------------------------------------------------------

# resume: what the record says of each VM
declare -A RESUME_ORIG=() RESUME_SNAP=() RESUME_COPY=() RESUME_DEV=() RESUME_AUTO=()

check_gcloud() {
  need_tool gcloud "Install the Google Cloud CLI (google-cloud-cli) and 'gcloud auth login'."
  need_tool python3 "Install python3 (gcloud needs it too)."
  local facts
  # one call: the project, and whether gcloud has credentials at all
  facts=$(gcloud config list --format=json 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)
core, auth = c.get("core", {}), c.get("auth", {})
creds = core.get("account") or auth.get("credential_file_override") or auth.get("access_token_file") or str(auth.get("disable_credentials", "")).lower() == "true"
print("%s\t%s" % (core.get("project", ""), "yes" if creds else "no"))') || facts=$'\tno'
  if [ ${#project_args[@]} -eq 0 ] && [ -z "${facts%%$'\t'*}" ]; then
    die "gcloud has no project: pass --project P or run 'gcloud config set project P'" 3
  fi
  [ "${facts##*$'\t'}" = yes ] || die "gcloud is not logged in: run 'gcloud auth login' (or activate a service account) and run this again" 3
}

run_targets() { # (targets already in T_*)
  local i failed=0 results=()
  [ "$dry_run" = 1 ] && echo "DRY RUN: nothing will be changed."
  for i in "${!T_name[@]}"; do describe_target "$i" </dev/null; done
  for i in "${!T_name[@]}"; do
    case "${T_state[i]}" in
      refused) echo "REFUSED ${T_name[i]}: ${T_why[i]}. Nothing was changed."; T_result[i]=refused; record_line "$i" refused ;;
      failed) echo "FAILED ${T_name[i]}: ${T_why[i]}. Nothing was changed."; T_result[i]=failed; record_line "$i" failed ;;
      skipped) say "${T_name[i]}: ${T_why[i]}"; T_result[i]=skipped ;;
      done) say "${T_name[i]}: ${T_why[i]}"; T_result[i]=already-done ;;
      ok) [ "$dry_run" = 1 ] && { print_plan "$i"; T_result[i]=planned; } ;;
    esac
  done
  if [ "$dry_run" = 0 ]; then
    trap 'on_signal INT' INT
    trap 'on_signal TERM' TERM
    snapshot_all
    for i in "${!T_name[@]}"; do
      if [ "${T_state[i]}" = failed ] && [ -z "${T_result[i]}" ]; then
        echo "FAILED ${T_name[i]}: ${T_why[i]}."; T_result[i]=failed
      fi
      [ "${T_state[i]}" = ok ] || continue
      if remediate_steps "$i" </dev/null; then
        echo "FIXED ${T_name[i]}: running on the repaired disk ${T_copy[i]}; original ${T_orig[i]} and snapshot ${T_snap[i]} kept."
        echo "  Roll back if needed: $self rollback --zone $zone --instance ${T_name[i]}"
        T_result[i]=fixed
      else
        explain_failure "$i"
        T_result[i]=failed
      fi
      record_line "$i" "${T_result[i]}"
      current=-1
    done
    trap - INT TERM
  fi
  for i in "${!T_name[@]}"; do
    results+=("${T_result[i]} ${T_name[i]}")
    case "${T_result[i]}" in failed | refused) failed=$((failed + 1)) ;; esac
  done
  print_summary "$dry_run" "$failed" "VM(s)" "$record has every disk and snapshot name" "${results[@]}"
}

cmd_fix() {
  if [ -z "$zone" ] || [ -z "$worker" ]; then usage_error "name the worker and its zone: --zone ZONE --worker NAME"; fi
  [ ${#instances[@]} -gt 0 ] || [ -n "$label$csv" ] || usage_error "name the VMs: --instance NAME, --label KEY=VALUE or --csv FILE"
  [ -z "$label" ] || [[ "$label" == *=* ]] || usage_error "--label needs KEY=VALUE"
  case "$via" in ssh | local) ;; *) usage_error "--via must be ssh or local" ;; esac
  [[ "$timeout" =~ ^[0-9]+$ ]] || usage_error "--timeout must be a number of seconds"
  check_gcloud
  stamp=${stamp:-$(run_stamp | tr '[:upper:]' '[:lower:]')}
  read_worker
  local targets z n
  targets=$(list_targets)
  [ -n "$targets" ] || { say "no VMs matched; nothing to do"; return 0; }
  declare -A seen=()
  while IFS=$'\t' read -r z n; do
    [ -n "$n" ] || continue
    [ -z "${seen[$z/$n]:-}" ] || continue
    seen[$z/$n]=1
    add_target "$z" "$n"
  done <<<"$targets"
  run_targets
}

# The last record line per VM whose result is not final: "zone instance step original snapshot copy device auto worker stamp".
unfinished() {
  [ -r "$record" ] || die "no record file $record (pass --record FILE)" 2
  awk -F'\t' 'NR > 1 { last[$2 "/" $3] = $0 } END { for (k in last) print last[k] }' "$record" |
    awk -F'\t' '$4 == "in-progress" || $4 == "interrupted" { print $2 "\t" $3 "\t" $5 "\t" $6 "\t" $7 "\t" $8 "\t" $9 "\t" $10 "\t" $11 "\t" $12 }' | sort
}

cmd_resume() {
  check_gcloud
  local rows z n st orig snap copy dev auto w s
  rows=$(unfinished)
  [ -n "$rows" ] || { say "the record $record has no unfinished VM; nothing to do"; return 0; }
  resuming=1
  while IFS=$'\t' read -r z n st orig snap copy dev auto w s; do
    zone=$z worker=$w stamp=$s
    RESUME_ORIG[$n]=$orig RESUME_SNAP[$n]=$snap RESUME_COPY[$n]=$copy RESUME_DEV[$n]=$dev RESUME_AUTO[$n]=$auto
    add_target "$z" "$n"
    say "$n: resuming the run $s (was at step '$st')"
  done <<<"$rows"
  read_worker
  run_targets
}

cmd_cleanup() {
  check_gcloud
  local rows z n st orig snap copy dev auto w s j failed=0 state
  rows=$(unfinished)
  [ -n "$rows" ] || { say "the record $record has no unfinished VM; nothing to do"; return 0; }
  while IFS=$'\t' read -r z n st orig snap copy dev auto w s; do
    zone=$z worker=$w
    echo "CLEANUP $n (run $s, stopped at step '$st')"
    if [ "$dry_run" = 1 ]; then
      echo "  would: stop bootmedic's job only if it has ended, detach $copy from $w, make sure $orig or $copy is $n's boot disk"
      continue
    fi
    if attached_to_worker "$copy"; then
      j=$(worker_call poll "$copy" 0 || true)
      state=$(job_state "$j")
      if [ "$state" = running ] || [ -z "$state" ] || printf '%s\n' "$j" | grep -q '^BM_DEVICE=busy'; then
        echo "  bootmedic is still running on $w (or the copy is still mounted there, or the worker does not answer): $copy stays attached. Run cleanup again later."
        failed=$((failed + 1))
        continue
      fi
      gc compute instances detach-disk "$w" --zone "$z" --disk "$copy" || { failed=$((failed + 1)); continue; }
      echo "  detached $copy from $w"
    fi
    j=$(gc compute instances describe "$n" --zone "$z" --format=json) || { failed=$((failed + 1)); continue; }
    load_facts instance "$j"
    if [ -z "$F_boot_source" ]; then
      gc compute instances attach-disk "$n" --zone "$z" --disk "$orig" --boot --device-name "$dev" || { failed=$((failed + 1)); continue; }
      if [ "$auto" = yes ]; then gc compute instances set-disk-auto-delete "$n" --zone "$z" --disk "$orig" --auto-delete || true; fi
      echo "  the original $orig is $n's boot disk again"
      F_boot_source=$orig
    fi
    echo "  $n boots from $(base "$F_boot_source"), status $F_status. Start it if it is stopped: gcloud compute instances start $n --zone $z"
    printf '%s\t%s\t%s\tcleaned\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$z" "$n" "$st" "$orig" "$snap" "$copy" "$dev" "$auto" "$w" "$s" >>"$record"
  done <<<"$rows"
  [ "$failed" = 0 ] || return 1
}

cmd_rollback() {
  if [ -z "$zone" ] || [ ${#instances[@]} -ne 1 ]; then usage_error "rollback needs --zone ZONE --instance NAME"; fi
  check_gcloud
  local n=${instances[0]} j original current
  j=$(gc compute instances describe "$n" --zone "$zone" --format=json) || die "cannot read VM $n in zone $zone"
  load_facts instance "$j"
  original=$F_label_original current=$(base "$F_boot_source")
  [ -n "$original" ] || die "VM $n has no label bootmedic-original-disk: it was not swapped by this script (or was rolled back already). Nothing changed."
  echo "ROLLBACK $n: boot disk $current -> original $original (device $F_boot_device, auto-delete $F_boot_auto_delete)"
  if [ "$dry_run" = 1 ]; then
    echo "DRY RUN: would stop, detach $current, attach $original as boot disk, start, remove the bootmedic labels. Nothing was changed."
    return 0
  fi
  gc compute instances stop "$n" --zone "$zone" || die "stop failed; nothing else was changed"
  if [ -n "$current" ]; then
    gc compute instances detach-disk "$n" --zone "$zone" --disk "$current" ||
      die "detaching $current failed; the VM is stopped on it. Retry: $self rollback --zone $zone --instance $n"
  fi
  gc compute instances attach-disk "$n" --zone "$zone" --disk "$original" --boot --device-name "$F_boot_device" ||
    die "attaching the original $original failed: the VM has NO boot disk now. Retry: $self rollback --zone $zone --instance $n (or attach $current back: gcloud compute instances attach-disk $n --zone $zone --disk $current --boot --device-name $F_boot_device)"
  if [ "$F_boot_auto_delete" = yes ]; then
    gc compute instances set-disk-auto-delete "$n" --zone "$zone" --disk "$original" --auto-delete ||
      warn "could not set auto-delete on $original; set it: gcloud compute instances set-disk-auto-delete $n --zone $zone --disk $original --auto-delete"
  fi
  gc compute instances remove-labels "$n" --zone "$zone" --labels bootmedic-original-disk,bootmedic-repaired-disk,bootmedic-run ||
    warn "could not remove the bootmedic labels from $n"
  gc compute instances start "$n" --zone "$zone" || die "the original disk is back but the VM did not start: gcloud compute instances start $n --zone $zone"
  echo "ROLLED BACK $n: running on the original boot disk $original again. The repaired disk $current is detached and unused (delete it when done)."
}

parse_args "$@"
case "$command_name" in
  fix) cmd_fix ;;
  rollback) cmd_rollback ;;
  resume) cmd_resume ;;
  cleanup) cmd_cleanup ;;
  help) help ;;
  *) usage_error "unknown command '$command_name' (fix, rollback, resume or cleanup)" ;;
esac
