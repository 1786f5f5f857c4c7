#!/usr/bin/env bash
# Repairs KVM/libvirt Windows guests whose boot disk boot-loops on a faulty driver/content file,
# on the host that holds the disk files (no worker VM: bootmedic reads the image file itself):
#
#   per domain: boot disk from the domain XML -> virsh shutdown (wait; --force: then virsh destroy)
#     -> copy of the disk file kept for rollback (cp --reflink=auto --sparse=always)
#     -> bootmedic fix --image <disk file> on this host -> virsh start
#
# The copy is made once per disk and is never overwritten: a second run (--force, resume, a retry
# after a failure) keeps the first copy, which is the disk as it was before bootmedic touched it.
#
# Usage:
#   remediate.sh fix (targets) [options]
#   remediate.sh rollback --domain NAME [--connect URI] [--force] [--no-start] [--dry-run]
#   remediate.sh resume [options]      finish every run the record shows interrupted (Ctrl-C, kill, reboot)
#   remediate.sh cleanup [--domain NAME] [--force] [--dry-run]   delete the kept copies of domains recorded as
#                                      fixed (--force: whatever their last result), once you checked they boot
# Targets (one or more):
#   --domain NAME              (repeatable)
#   --csv FILE                 lines "domain" or "connect_uri,domain" (a header line is skipped)
#   --all-matching REGEX       every defined domain whose name matches the extended regex
# Options:
#   -c, --connect URI          libvirt URI, as virsh -c (default: virsh's, i.e. LIBVIRT_DEFAULT_URI or qemu:///system)
#   --disk TARGET              the boot disk by target name (vda, sda) instead of the XML's boot order
#   --backup-dir DIR           where the copies go (default: next to each disk file)
#   --timeout SECONDS          how long to wait for a guest to shut down (default 300)
#   --force                    after the timeout, power the domain off (virsh destroy); drop a managed
#                              save image; run again on a domain recorded as fixed (keeping its first copy)
#   --no-start                 leave the domain shut off after the repair
#   --shared-storage           the URI names another host whose disk paths are mounted here at the same paths
#   --bootmedic PATH | --jar FILE   how to run bootmedic here (default: bootmedic on PATH, else
#                              java -jar target/bootmedic.jar of this checkout)
#   --config F | --key-bundle F | --passphrase-file F | --outbox DIR   passed to bootmedic
#   --record FILE              the run record (default ./bootmedic-kvm-runs.tsv)
#   --dry-run                  read only: list the domains, their boot disks and the plan; change nothing
# Environment: BOOTMEDIC_KVM_POLL_SECONDS (default 5) between state checks while waiting.
# Exit: 0 every domain fixed (or nothing to do), 1 some domain failed or was refused (its disk is
#       network/block/encrypted/...; the others go on), 2 usage, 3 cannot connect to libvirt.
set -euo pipefail
# shellcheck disable=SC2034
BM_TOOL=bootmedic-kvm # read by the functions in scripts/lib/common.sh
# shellcheck disable=SC1091 # shellcheck checks scripts/lib/common.sh on its own
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
self="bash scripts/kvm/remediate.sh"
repo_dir="$(cd "$BM_LIB_DIR/../.." && pwd)"

command_name=fix
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then command_name=$1; shift; fi

domains=() csv="" matching="" connect="" disk_target="" backup_dir="" timeout=300 force=0 no_start=0
shared_storage=0 bootmedic_bin="" jar="" record="./bootmedic-kvm-runs.tsv" dry_run=0
pass=()
poll=${BOOTMEDIC_KVM_POLL_SECONDS:-5}

help() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --domain) domains+=("${2:?--domain needs a name}"); shift 2 ;;
      --csv) csv=${2:?}; shift 2 ;;
      --all-matching) matching=${2:?}; shift 2 ;;
      -c | --connect) connect=${2:?}; shift 2 ;;
      --disk) disk_target=${2:?}; shift 2 ;;
      --backup-dir) backup_dir=${2:?}; shift 2 ;;
      --timeout) timeout=${2:?}; shift 2 ;;
      --force) force=1; shift ;;
      --no-start) no_start=1; shift ;;
      --shared-storage) shared_storage=1; shift ;;
      --bootmedic) bootmedic_bin=${2:?}; shift 2 ;;
      --jar) jar=${2:?}; shift 2 ;;
      --config | --key-bundle | --passphrase-file | --outbox) pass+=("$1" "${2:?}"); shift 2 ;;
      --record) record=${2:?}; shift 2 ;;
      --dry-run) dry_run=1; shift ;;
      -h | --help) help; exit 0 ;;
      *) usage_error "unknown option: $1" ;;
    esac
  done
  [[ "$timeout" =~ ^[0-9]+$ ]] || usage_error "--timeout must be a number of seconds"
  [[ "$poll" =~ ^[0-9]+([.][0-9]+)?$ ]] || usage_error "BOOTMEDIC_KVM_POLL_SECONDS must be a number of seconds"
}

# ---- libvirt ------------------------------------------------------------------------------

uri="" # the URI of the domain at hand (--connect, or the CSV line's)
v() { if [ -n "$uri" ]; then virsh -q -c "$uri" "$@"; else virsh -q "$@"; fi; }

check_connection() { # URI
  local u=$1 out
  if ! out=$(uri=$u v uri 2>&1); then
    die "cannot connect to libvirt${u:+ at $u}: $out
Check that the daemon runs (systemctl status libvirtd or virtqemud), that you may use it (root, or group libvirt
for qemu:///system), and the URI (--connect). Nothing was changed." 3
  fi
}

conn_arg() { [ -z "$uri" ] || printf ' --connect %q' "$uri"; }

is_remote_uri() { [[ "$1" =~ ^[A-Za-z0-9+.-]+://[^/] ]]; }

# Prints "uri<US>domain" for every target (US = \037, a separator that keeps an empty URI field).
list_targets() {
  local d u n
  for d in "${domains[@]}"; do printf '%s\037%s\n' "$connect" "$d"; done
  if [ -n "$csv" ]; then
    csv_targets "$csv" 'domain|uri|connect' | awk -F'\037' -v c="$connect" '{print ($1 == "" ? c : $1) "\037" $2}'
  fi
  if [ -n "$matching" ]; then
    uri=$connect v list --all --name | while read -r n; do
      [ -n "$n" ] || continue
      if [[ "$n" =~ $matching ]]; then printf '%s\037%s\n' "$connect" "$n"; fi
    done
  fi
}

dom_state() { v domstate "$1" 2>/dev/null | head -n 1; }

# ---- the boot disk ------------------------------------------------------------------------

xml_file=""
xp() { xmllint --xpath "$1" "$xml_file" 2>/dev/null || true; }

refuse() { why="$*"; }

# Sets disk_path disk_format disk_dev from the persistent definition of DOMAIN, or sets 'why' and
# returns 1. Read-only.
find_boot_disk() { # DOMAIN
  local dom=$1 n i best="" best_order="" dev kind order first="" first_dev="" disks=0
  v dumpxml --inactive "$dom" >"$xml_file" 2>/dev/null || v dumpxml "$dom" >"$xml_file" ||
    { why="cannot read the definition of domain '$dom' (virsh dumpxml failed)"; return 1; }
  n=$(xp 'count(/domain/devices/disk)')
  for ((i = 1; i <= ${n:-0}; i++)); do
    IFS='|' read -r kind order dev <<<"$(xp "concat(/domain/devices/disk[$i]/@device, '|', /domain/devices/disk[$i]/boot/@order, '|', /domain/devices/disk[$i]/target/@dev)")" || true
    [ -n "$kind" ] || kind=disk
    [ "$kind" = disk ] || [ "$kind" = lun ] || continue
    if [ -n "$disk_target" ]; then
      [ "$dev" = "$disk_target" ] && best=$i
      continue
    fi
    [ -n "$first" ] || first=$i
    [ -n "$first_dev" ] || first_dev=$dev
    disks=$((disks + 1))
    if [ -n "$order" ] && { [ -z "$best_order" ] || [ "$order" -lt "$best_order" ]; }; then best=$i best_order=$order; fi
  done
  if [ -n "$disk_target" ] && [ -z "$best" ]; then
    why="domain '$dom' has no disk with target '$disk_target' (see: virsh domblklist $dom)"; return 1
  fi
  if [ -z "$best" ]; then
    best=$first
    [ -n "$best" ] || { why="domain '$dom' has no disk"; return 1; }
    if [ "$disks" -gt 1 ]; then
      warn "$dom: no <boot order> on its disks; taking the first disk ($first_dev), which <os><boot dev='hd'/> boots. Name another with --disk TARGET."
    fi
  fi
  local d="/domain/devices/disk[$best]" type encrypted enc_format shareable src_dev protocol name pool vol file
  # one xmllint call; the file name last, so that a '|' in it stays in it
  IFS='|' read -r type disk_format disk_dev encrypted enc_format shareable src_dev protocol name pool vol file <<<"$(xp "concat($d/@type, '|',
    $d/driver/@type, '|', $d/target/@dev, '|', count($d/encryption | $d/source/encryption), '|', ($d/source/encryption | $d/encryption)[1]/@format, '|',
    count($d/shareable), '|', $d/source/@dev, '|', $d/source/@protocol, '|', $d/source/@name, '|', $d/source/@pool, '|', $d/source/@volume, '|',
    $d/source/@file)")" || true
  [ -n "$disk_format" ] || disk_format=raw
  if [ "$encrypted" != 0 ]; then
    refuse "REFUSED: its boot disk $disk_dev is encrypted by qemu ($enc_format); bootmedic cannot read qemu-encrypted images." \
      "Decrypt a copy (qemu-img convert --object secret,... --image-opts ... -O raw) and run bootmedic fix --image on it by hand."
    return 1
  fi
  if [ "$shareable" != 0 ]; then
    refuse "REFUSED: its boot disk $disk_dev is <shareable/> (other domains may have it open); repair it by hand with every one of them off."
    return 1
  fi
  case "$type" in
    file) disk_path=$file ;;
    volume)
      disk_path=$(v vol-path --pool "$pool" "$vol" 2>/dev/null) ||
        { why="cannot resolve its boot disk: volume '$vol' of pool '$pool' (virsh vol-path failed)"; return 1; }
      ;;
    block)
      refuse "REFUSED: its boot disk $disk_dev is the host block device $src_dev (LVM, zvol, multipath); this route copies disk files." \
        "With the domain off, take a snapshot (lvcreate -s / zfs snapshot) and run 'bootmedic fix --device $src_dev' by hand."
      return 1
      ;;
    network)
      refuse "REFUSED: its boot disk $disk_dev is network storage ($protocol $name); this route works on disk files on this host." \
        "Map it here (rbd map / iscsiadm) and run 'bootmedic fix --device' by hand, or export it with qemu-img convert."
      return 1
      ;;
    *)
      refuse "REFUSED: its boot disk $disk_dev has source type '${type:-none}'; this route works on disk files (type='file' or a file volume)."
      return 1
      ;;
  esac
  case "$disk_format" in
    raw | qcow2 | vpc | vhdx) ;;
    *)
      refuse "REFUSED: its boot disk $disk_path is $disk_format; bootmedic reads raw, qcow2, VHD (vpc) and VHDX." \
        "Convert a copy: qemu-img convert -O qcow2 $disk_path copy.qcow2"
      return 1
      ;;
  esac
  if [ ! -f "$disk_path" ]; then
    refuse "REFUSED: its boot disk $disk_path is not a regular file on this machine"
    return 1
  fi
  if [ "$disk_format" = raw ] && [ "$(head -c 4 "$disk_path" | od -An -tx1 | tr -d ' \n')" = 514649fb ]; then
    refuse "REFUSED: $disk_path is declared raw but starts with a qcow2 header (written by the guest, or a wrong <driver type>);" \
      "bootmedic would read it as qcow2 and qemu as raw. Check <driver type> in the domain XML."
    return 1
  fi
}

# qcow2 facts for the plan: backing file and internal snapshots (qemu-img -U reads without the lock).
qcow2_notes() { # PATH
  command -v qemu-img >/dev/null 2>&1 || { printf 'qemu-img not installed: backing file and snapshots not checked'; return; }
  local info backing snaps
  info=$(qemu-img info -U "$1" 2>/dev/null) || { printf 'qemu-img info failed'; return; }
  backing=$(printf '%s\n' "$info" | sed -n 's/^backing file: \(.*\)$/\1/p' | head -n 1)
  snaps=$(printf '%s\n' "$info" | awk '/^Snapshot list:/ {s = 1; next} s && /^[A-Za-z]/ && !/^ID/ {s = 0} s && /^[0-9]/ {n++} END {print n + 0}')
  printf 'backing file: %s; internal snapshots: %s' "${backing:-none}" "$snaps"
}

# ---- the record ---------------------------------------------------------------------------

record_line() { # DOMAIN RESULT STEP [BOOTMEDIC_EXIT]
  [ "$dry_run" = 1 ] && return 0
  if [ ! -f "$record" ]; then
    printf 'time\tconnect\tdomain\tresult\tstep\tdisk\tformat\tbackup\tstate_before\tbootmedic_exit\n' >>"$record"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$uri" "$1" "$2" "$3" "$disk_path" "$disk_format" \
    "$backup" "$state_before" "${4:-}" >>"$record"
}

# What the record says about URI+DOMAIN: "last_result<US>last_step<US>disk<US>backup<US>time".
# backup is the first copy made since the last rollback or cleanup: the disk as it was.
record_state() { # URI DOMAIN
  [ -f "$record" ] || return 0
  awk -F'\t' -v u="$1" -v d="$2" '
    NR == 1 || $2 != u || $3 != d { next }
    { result = $4; step = $5; disk = $6; time = $1 }
    $4 == "rolled-back" || $4 == "cleaned" { backup = ""; next }
    backup == "" && $8 != "" { backup = $8 }
    END { if (result != "") printf "%s\037%s\037%s\037%s\037%s\n", result, step, disk, backup, time }' "$record"
}

# ---- steps --------------------------------------------------------------------------------

step="" disk_path="" disk_format="" disk_dev="" backup="" state_before="" current_dom="" partial=""

# Shuts DOMAIN down: virsh shutdown, poll domstate until 'shut off' or the deadline; --force: destroy.
shut_down() { # DOMAIN
  local dom=$1 state deadline
  state=$(dom_state "$dom")
  [ "$state" = "shut off" ] && return 0
  if [ "$state" = running ] || [ "$state" = "in shutdown" ]; then
    say "$dom: virsh shutdown (waiting up to ${timeout}s for the guest to power off)"
    v shutdown "$dom" >/dev/null || warn "$dom: virsh shutdown failed (state now: $(dom_state "$dom"))"
    deadline=$((SECONDS + timeout))
    while [ "$(dom_state "$dom")" != "shut off" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep "$poll"; done
    state=$(dom_state "$dom")
    [ "$state" = "shut off" ] && return 0
    say "$dom: still '$state' after ${timeout}s (a boot-looping guest often ignores the ACPI power button)"
  else
    say "$dom: state '$state' does not take an ACPI shutdown"
  fi
  if [ "$force" = 1 ]; then
    say "$dom: --force: virsh destroy (power off)"
    v destroy "$dom" >/dev/null || return 1
    [ "$(dom_state "$dom")" = "shut off" ] && return 0
  fi
  return 1
}

make_copy() { # DOMAIN -> sets backup
  local dir need avail
  dir=${backup_dir:-$(dirname "$disk_path")}
  local target
  target="$dir/$(basename "$disk_path").bootmedic-orig"
  if [ -e "$target" ] && [ "$last_step" = copy ] && { [ "$last_result" = in-progress ] || [ "$last_result" = interrupted ]; }; then
    # made by the run that stopped right after it: complete (a copy gets its name only when it is), and the
    # disk was not written after it (bootmedic's step is recorded before bootmedic starts)
    say "$current_dom: taking $target, completed by the interrupted run, as the copy"
    backup=$target
    return 0
  fi
  if [ -e "$target" ]; then
    echo "a file $target already exists and the record $record does not name it as this domain's copy; it may be the only" \
      "original of a disk. Move it away (or pass --record with the record that made it) and run again."
    return 1
  fi
  partial="$target.partial"
  rm -f -- "$partial" # an incomplete copy of an earlier, interrupted run: the disk was not written after it
  need=$(($(stat -c '%b * %B' "$disk_path")))
  avail=$(df -P -B1 "$dir" | awk 'NR == 2 {print $4}')
  if [ "$need" -gt "${avail:-0}" ]; then
    echo "not enough space for the copy in $dir: needs up to $need bytes, $avail free (without reflink). Use --backup-dir."
    return 1
  fi
  say "$current_dom: copying $disk_path -> $target"
  if ! cp --reflink=auto --sparse=always --preserve=mode,ownership,timestamps -- "$disk_path" "$partial"; then
    rm -f -- "$partial"
    partial=""
    return 1
  fi
  sync -f "$partial" 2>/dev/null || sync
  mv -f -- "$partial" "$target"
  partial=""
  backup=$target
}

bootmedic_cmd=()
resolve_bootmedic() {
  if [ -n "$bootmedic_bin" ]; then
    bootmedic_cmd=("$bootmedic_bin")
  elif [ -n "$jar" ]; then
    [ -f "$jar" ] || usage_error "--jar $jar: no such file"
    bootmedic_cmd=(java -jar "$jar")
  elif command -v bootmedic >/dev/null 2>&1; then
    bootmedic_cmd=(bootmedic)
  elif [ -f "$repo_dir/target/bootmedic.jar" ]; then
    bootmedic_cmd=(java -jar "$repo_dir/target/bootmedic.jar")
  else
    die "bootmedic not found: put it on PATH, pass --bootmedic PATH or --jar FILE, or build target/bootmedic.jar (mvn package)" 2
  fi
}

run_bootmedic() { # DOMAIN -> sets bm_rc
  local state
  state=$(dom_state "$1")
  if [ "$state" != "shut off" ]; then
    echo "the domain is '$state' again (started by someone else?); bootmedic did not run"
    bm_rc=""
    return 1
  fi
  say "$1: ${bootmedic_cmd[*]} fix --image $disk_path${pass[*]:+ ${pass[*]}}"
  set +e
  "${bootmedic_cmd[@]}" fix --image "$disk_path" "${pass[@]}" 2>&1 </dev/null | sed 's/^/    bootmedic| /'
  bm_rc=${PIPESTATUS[0]}
  set -e
  [ "$bm_rc" = 0 ]
}

print_plan() { # DOMAIN
  local dom=$1 dir
  dir=${backup_dir:-$(dirname "$disk_path")}
  echo "PLAN $dom (boot disk $disk_dev: $disk_path, $disk_format, $(($(stat -c '%b * %B' "$disk_path") / 1048576)) MiB allocated; now '$state_before')"
  [ "$disk_format" = qcow2 ] && echo "  qcow2: $(qcow2_notes "$disk_path")"
  if [ "$state_before" != "shut off" ]; then
    echo "  1. virsh shutdown $dom; wait up to ${timeout}s$([ "$force" = 1 ] && echo ", then virsh destroy" || echo "; if still running: stop (--force: virsh destroy)")"
  else
    echo "  1. (already shut off)"
  fi
  if [ -n "$backup" ]; then
    echo "  2. keep the existing copy $backup (made by an earlier run: the disk as it was)"
  else
    echo "  2. copy to $dir/$(basename "$disk_path").bootmedic-orig (cp --reflink=auto --sparse=always; $(df -P -B1 "$dir" | awk 'NR == 2 {print int($4 / 1048576)}') MiB free there)"
  fi
  echo "  3. ${bootmedic_cmd[*]} fix --image $disk_path${pass[*]:+ ${pass[*]}}"
  if [ "$no_start" = 1 ]; then echo "  4. leave it shut off (--no-start)"; else echo "  4. virsh start $dom"; fi
  if [ "$state_before" = "shut off" ]; then
    local out rc=0
    out=$("${bootmedic_cmd[@]}" scan --image "$disk_path" 2>&1 </dev/null) || rc=$?
    printf '%s\n' "$out" | sed 's/^/    scan| /'
    echo "  bootmedic scan (read only): exit $rc"
  else
    echo "  (not scanned: the domain is running and its disk is in use; the fix scans it after the shutdown)"
  fi
}

explain_failure() { # DOMAIN
  local dom=$1
  echo "FAILED $dom at step '$step'."
  case "$step" in
    check) echo "  Nothing was changed." ;;
    shutdown)
      echo "  Nothing was written. The domain is '$(dom_state "$dom")'."
      echo "  Next: power it off yourself (virsh destroy $dom) or run again with --force, which does that after --timeout."
      ;;
    copy)
      echo "  The disk was not written. The domain is shut off: virsh start $dom brings it back as it was."
      echo "  Next: fix the cause above and run again."
      ;;
    bootmedic)
      echo "  The domain is shut off. bootmedic exited ${bm_rc:-(did not run)}: $(explain_bootmedic_exit "${bm_rc:-}")."
      echo "  The disk may be partly changed; its copy $backup is the disk as it was."
      echo "  Next: fix the cause and run the same command again (it keeps that copy), or put the copy back:"
      echo "  $self rollback --domain $dom$(conn_arg)"
      ;;
    start)
      echo "  The disk is repaired (copy kept: $backup), but virsh start failed: virsh start $dom"
      ;;
  esac
}

# The trap may run while a function's output is redirected (v shutdown >/dev/null): it writes to the
# stdout and stderr the script started with (fds 3 and 4).
on_signal() { # SIGNAL
  trap - INT TERM
  exec 1>&3 2>&4
  local dom=$current_dom
  if [ -n "$partial" ]; then rm -f -- "$partial"; fi
  if [ -n "$dom" ] && [ "$mode" = rollback ]; then
    record_line "$dom" rollback-interrupted "$step"
    echo "INTERRUPTED the rollback of $dom at step '$step' ($1); the domain is '$(dom_state "$dom")'. The record $record says so."
    echo "  Next: $self resume   (finishes the rollback)"
  elif [ -n "$dom" ]; then
    record_line "$dom" interrupted "$step" "${bm_rc:-}"
    echo "INTERRUPTED $dom at step '$step' ($1). The record $record says so."
    case "$step" in
      shutdown | copy) echo "  The disk was not written. The domain is '$(dom_state "$dom")'." ;;
      bootmedic) echo "  bootmedic was stopped while repairing $disk_path; the copy $backup is the disk as it was. The domain is '$(dom_state "$dom")'." ;;
      start) echo "  The disk is repaired; the domain is '$(dom_state "$dom")'." ;;
    esac
    echo "  Next: $self resume   (finishes it, keeping the copy), or: $self rollback --domain $dom$(conn_arg)"
  fi
  [ "$1" = INT ] && exit 130
  exit 143
}

# The changing part of a fix, in order; returns non-zero at the first failed step ($step says which).
remediate_steps() { # DOMAIN
  local dom=$1
  step=shutdown; record_line "$dom" in-progress "$step"
  shut_down "$dom" || return 1
  step=copy; record_line "$dom" in-progress "$step"
  if [ -n "$backup" ]; then
    say "$dom: keeping the copy $backup (the disk as it was before the first repair; not copied again)"
  else
    make_copy "$dom" || return 1
  fi
  step=bootmedic; record_line "$dom" in-progress "$step"
  run_bootmedic "$dom" || return 1
  step=start
  if [ "$no_start" = 1 ]; then
    say "$dom: repaired; left shut off (--no-start)"
    return 0
  fi
  record_line "$dom" in-progress "$step" "$bm_rc"
  say "$dom: virsh start"
  v start "$dom" >/dev/null || return 1
}

# Facts and refusals before any change: sets the disk variables, state_before and backup (the copy an
# earlier run kept), or prints why not and returns 1.
check_domain() { # DOMAIN
  local dom=$1 last_disk
  if ! dominfo=$(v dominfo "$dom" 2>&1); then
    echo "FAILED $dom: no such domain${uri:+ at $uri} (virsh dominfo: ${dominfo//$'\n'/ }); nothing was changed."
    return 1
  fi
  if ! find_boot_disk "$dom"; then
    echo "FAILED $dom: $why Nothing was changed."
    return 1
  fi
  state_before=$(dom_state "$dom")
  if [[ "$dominfo" =~ Persistent:\ *no ]]; then
    echo "FAILED $dom: the domain is transient: after a shutdown libvirt forgets it and 'virsh start' cannot bring it back." \
      "Define it first (virsh dumpxml $dom > $dom.xml; virsh define $dom.xml) and run again. Nothing was changed."
    return 1
  fi
  IFS=$'\037' read -r last_result last_step last_disk backup last_time <<<"$(record_state "$uri" "$dom")" || true
  if [ -n "$backup" ] && [ "$last_disk" != "$disk_path" ]; then
    echo "FAILED $dom: the record has a copy $backup of $last_disk, but the domain's boot disk is now $disk_path." \
      "Roll back or clean up that run first ($self rollback|cleanup --domain $dom). Nothing was changed."
    return 1
  fi
  if [ -n "$backup" ] && [ ! -f "$backup" ]; then
    echo "FAILED $dom: the record names the copy $backup of its disk, but that file is gone: there would be no way back." \
      "If you mean to go on without it: $self cleanup --domain $dom --force (forgets it), then fix again. Nothing was changed."
    return 1
  fi
}

remediate_domain() { # URI DOMAIN -> sets RESULT
  local dom=$2 last_result="" last_step="" last_time="" dominfo=""
  uri=$1 current_dom="" step=check disk_path="" disk_format="" disk_dev="" backup="" state_before="" bm_rc=""
  if ! check_domain "$dom"; then RESULT=failed; return 0; fi
  if [ "$last_result" = fixed ] && [ "$force" = 0 ]; then
    say "$dom: already fixed by the run of $last_time (copy kept: $backup); skipped. --force repairs it again (keeping that copy)."
    RESULT=skipped; return 0
  fi
  if [ -n "$uri" ] && is_remote_uri "$uri" && [ "$shared_storage" = 0 ]; then
    echo "FAILED $dom: $uri is another host, but bootmedic runs here on $disk_path. Run this script on that host, or pass" \
      "--shared-storage if that path is the same shared file here. Nothing was changed."
    RESULT=failed; return 0
  fi
  if [[ "$dominfo" =~ Managed\ save:\ *yes ]]; then
    if [ "$force" = 0 ]; then
      echo "FAILED $dom: it has a managed save image; 'virsh start' would resume that saved memory on a changed disk and" \
        "corrupt it. Drop it (virsh managedsave-remove $dom) or pass --force. Nothing was changed."
      RESULT=failed; return 0
    fi
    if [ "$dry_run" = 0 ]; then
      say "$dom: --force: removing its managed save image (virsh managedsave-remove)"
      v managedsave-remove "$dom" >/dev/null
    fi
  fi
  if [ "$dry_run" = 1 ]; then
    print_plan "$dom"
    RESULT=planned; return 0
  fi
  current_dom=$dom
  if remediate_steps "$dom"; then
    echo "FIXED $dom: $disk_path repaired by bootmedic; $([ "$no_start" = 1 ] && echo "left shut off" || echo started); copy of the disk as it was: $backup"
    echo "  Roll back if needed: $self rollback --domain $dom$(conn_arg)"
    RESULT=fixed
  else
    explain_failure "$dom"
    RESULT=failed
  fi
  record_line "$dom" "$RESULT" "$step" "$bm_rc"
  current_dom=""
}

# Puts the copy back over the disk file: shut down, move, start. Sets RESULT.
rollback_domain() { # URI DOMAIN
  local dom=$2 last_result="" last_step="" last_disk="" last_time="" seen dominfo=""
  uri=$1 current_dom="" step=check disk_path="" disk_format="" disk_dev="" backup="" state_before="" bm_rc=""
  IFS=$'\037' read -r last_result last_step last_disk backup last_time <<<"$(record_state "$uri" "$dom")" || true
  if [ -z "$last_result" ]; then
    seen=$(awk -F'\t' -v d="$dom" 'NR > 1 && $3 == d {print "--connect " ($2 == "" ? "(none)" : $2)}' "$record" 2>/dev/null | sort -u | tr '\n' ' ')
    echo "FAILED $dom: the record $record has no run for it${uri:+ at $uri}${seen:+ (it has: $seen)}; nothing to roll back. Nothing was changed."
    RESULT=failed; return 0
  fi
  if [ -z "$backup" ]; then
    echo "FAILED $dom: no copy to put back (last: '$last_result' at $last_time: rolled back or cleaned up already). Nothing was changed."
    RESULT=failed; return 0
  fi
  if [ ! -f "$backup" ] && { [ "$last_result" = rolling-back ] || [ "$last_result" = rollback-interrupted ]; } &&
    { [ "$last_step" = restore ] || [ "$last_step" = start ]; } && [ -f "$last_disk" ]; then
    # an interrupted rollback whose move had finished (mv removes the copy only once it is in place)
    disk_path=$last_disk current_dom=$dom mode=rollback step=start
    say "$dom: the copy was already moved back to $disk_path by the interrupted rollback; finishing it"
    if [ "$dry_run" = 1 ]; then echo "PLAN rollback $dom: virsh start"; RESULT=planned; return 0; fi
    if [ "$no_start" = 1 ] || [ "$(dom_state "$dom")" != "shut off" ] || v start "$dom" >/dev/null; then
      echo "ROLLED BACK $dom: $disk_path is the disk as it was before the repair again."
      RESULT=rolled-back
    else
      echo "FAILED $dom: the disk is back as it was, but virsh start failed: virsh start $dom"
      RESULT=rollback-failed
    fi
    record_line "$dom" "$RESULT" "$step"
    current_dom="" mode=fix
    return 0
  fi
  local keep=$backup
  if ! check_domain "$dom"; then RESULT=failed; return 0; fi
  backup=$keep
  if [ "$dry_run" = 1 ]; then
    echo "PLAN rollback $dom: now '$state_before'; virsh shutdown (wait ${timeout}s$([ "$force" = 1 ] && echo ", then destroy")); mv $backup -> $disk_path;" \
      "$([ "$no_start" = 1 ] && echo "leave it off" || echo "virsh start")"
    RESULT=planned; return 0
  fi
  current_dom=$dom mode=rollback
  step=shutdown; record_line "$dom" rolling-back "$step"
  if shut_down "$dom"; then
    step=restore; record_line "$dom" rolling-back "$step"
    say "$dom: putting the copy back: $backup -> $disk_path (the repaired file is replaced)"
    if mv -f -- "$backup" "$disk_path"; then
      step=start
      if [ "$no_start" = 1 ] || v start "$dom" >/dev/null; then
        echo "ROLLED BACK $dom: $disk_path is the disk as it was before the repair again; $([ "$no_start" = 1 ] && echo "left shut off" || echo started)."
        RESULT=rolled-back
      else
        echo "FAILED $dom: the disk is back as it was, but virsh start failed: virsh start $dom"
        RESULT=rollback-failed
      fi
    else
      echo "FAILED $dom: could not move $backup back to $disk_path (see above); the domain is shut off. Fix the cause and run rollback again."
      RESULT=rollback-failed
    fi
  else
    echo "FAILED $dom: it did not shut down within ${timeout}s (now '$(dom_state "$dom")'); nothing was changed. Run again with --force (virsh destroy after the timeout)."
    RESULT=rollback-failed
  fi
  record_line "$dom" "$RESULT" "$step"
  current_dom="" mode=fix
}

# ---- commands -----------------------------------------------------------------------------

checked=" " # the URIs whose connection was checked
need_virsh() {
  need_tool virsh "Install libvirt's client (Debian/Ubuntu: apt install libvirt-clients)."
  need_tool xmllint "Install libxml2's tools (Debian/Ubuntu: apt install libxml2-utils)."
}

run_over() { # ACTION TARGETS (uri<US>domain lines)
  local action=$1 targets=$2 u n results=() failed=0
  [ -n "$targets" ] || { say "no domains matched; nothing to do"; return 0; }
  [ "$dry_run" = 1 ] && echo "DRY RUN: nothing will be changed."
  while IFS=$'\037' read -r u n; do
    [ -n "$n" ] || continue
    case "$checked" in *" $u "*) ;; *) check_connection "$u"; checked="$checked$u " ;; esac
    "$action" "$u" "$n" </dev/null
    results+=("$RESULT $n")
    case "$RESULT" in failed | rollback-failed) failed=$((failed + 1)) ;; esac
  done <<<"$targets"
  print_summary "$dry_run" "$failed" "domain(s)" "$record has each disk, its copy and the step reached" "${results[@]}"
}

cmd_fix() {
  [ ${#domains[@]} -gt 0 ] || [ -n "$csv$matching" ] || usage_error "name the domains: --domain NAME, --csv FILE or --all-matching REGEX"
  need_virsh
  resolve_bootmedic
  check_connection "$connect"
  checked=" $connect "
  run_over remediate_domain "$(list_targets | awk '!seen[$0]++')"
}

cmd_rollback() {
  [ ${#domains[@]} -eq 1 ] || usage_error "rollback needs one --domain NAME (and the --connect URI the fix used)"
  need_virsh
  run_over rollback_domain "$(printf '%s\037%s\n' "$connect" "${domains[0]}")"
}

# The last record line of every domain, as "uri<US>domain<US>result".
record_last() {
  [ -f "$record" ] || return 0
  awk -F'\t' 'NR > 1 { k = $2 "\037" $3; if (!(k in last)) order[++n] = k; last[k] = $4 }
    END { for (i = 1; i <= n; i++) print order[i] "\037" last[order[i]] }' "$record"
}

cmd_resume() {
  if [ ${#domains[@]} -gt 0 ] || [ -n "$csv$matching" ]; then usage_error "resume takes its domains from the record (--record FILE), not from targets"; fi
  need_virsh
  resolve_bootmedic
  local fixes rollbacks rc=0
  fixes=$(record_last | awk -F'\037' '$3 == "in-progress" || $3 == "interrupted" {print $1 "\037" $2}')
  rollbacks=$(record_last | awk -F'\037' '$3 == "rolling-back" || $3 == "rollback-interrupted" {print $1 "\037" $2}')
  if [ -z "$fixes$rollbacks" ]; then
    say "the record ${record} shows no interrupted run; nothing to resume"
    return 0
  fi
  [ -z "$fixes" ] || run_over remediate_domain "$fixes" || rc=$?
  [ -z "$rollbacks" ] || run_over rollback_domain "$rollbacks" || rc=$?
  return "$rc"
}

is_named() { # DOMAIN: one of the --domain names?
  local d
  for d in "${domains[@]}"; do [ "$d" = "$1" ] && return 0; done
  return 1
}

cmd_cleanup() {
  [ -z "$csv$matching" ] || usage_error "cleanup takes --domain NAME or nothing (every domain in the record)"
  local u n result last_step last_disk last_time deleted=0
  while IFS=$'\037' read -r u n result; do
    [ -n "$n" ] || continue
    if [ ${#domains[@]} -gt 0 ] && ! is_named "$n"; then continue; fi
    uri=$u disk_format="" state_before="" step=cleanup
    IFS=$'\037' read -r _ last_step last_disk backup last_time <<<"$(record_state "$u" "$n")" || true
    disk_path=$last_disk
    [ -n "$backup" ] || { say "$n: no copy kept (last: '$result'); nothing to delete"; continue; }
    if [ "$result" != fixed ] && [ "$force" = 0 ]; then
      say "$n: keeping $backup: the last run is '$result' at step '$last_step' ($last_time), and the copy is its way back. Roll back or fix it first (or --force)."
      continue
    fi
    if [ "$dry_run" = 1 ]; then echo "would delete $backup (copy of $disk_path, $n: '$result')"; continue; fi
    rm -f -- "$backup" "$backup.partial"
    record_line "$n" cleaned cleanup
    echo "DELETED $backup (copy of $n's disk $disk_path; the last run, '$result', is now final)"
    deleted=$((deleted + 1))
  done <<<"$(record_last)"
  say "$deleted copies deleted"
}

parse_args "$@"
mode=fix
exec 3>&1 4>&2
xml_file=$(mktemp "${TMPDIR:-/tmp}/bootmedic-kvm.XXXXXX")
trap 'rm -f "$xml_file"' EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
case "$command_name" in
  fix) cmd_fix ;;
  rollback) cmd_rollback ;;
  resume) cmd_resume ;;
  cleanup) cmd_cleanup ;;
  help) help ;;
  *) usage_error "unknown command '$command_name' (fix, rollback, resume or cleanup)" ;;
esac
