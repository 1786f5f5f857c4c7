#!/usr/bin/env bash
# Runs ON THE WORKER (the Linux rescue VM an OS disk is attached to), as root: finds the attached
# disk, checks that it is the disk the cloud API attached (a block device, not this worker's own
# disk, the expected size and serial), puts the BitLocker startup key (BEK) in a private file on
# tmpfs if there is one, runs 'bootmedic fix --device' and prints BOOTMEDIC_EXIT=<code> as its
# last line for the driver. The drivers send it through 'az vm run-command', 'aws ssm
# send-command', 'Invoke-VMScript' or ssh; it can also be run by hand on a worker:
#   sudo bash worker-fix.sh --azure-lun 10 --expect-size 137438953472 --config /etc/bootmedic/agent.conf
#
# Which disk (exactly one):
#   --azure-lun N           the data disk at LUN N, 2..63: /dev/disk/azure/scsi1/lunN (walinuxagent),
#                           /dev/disk/azure/data/by-lun/N (azure-vm-utils, SCSI and NVMe), else an
#                           NVMe namespace N+2 of "MSFT NVMe Accelerator v1.0", else by-path *-lun-N.
#                           LUN 0 and 1 are refused: without the Azure udev rules the by-path names
#                           of the worker's own OS and resource disks end in -lun-0 and -lun-1.
#   --ebs-volume VOL-ID     the EBS volume: Nitro NVMe by-id name / serial (volume ID without the
#                           dash), else --ebs-device
#   --ebs-device /dev/sdf   the device name it was attached as (Xen instances: /dev/xvdf)
#   --gce-device-name NAME  the GCE disk attached with --device-name NAME: /dev/disk/by-id/google-NAME
#   --device PATH           this block device
# Checks before anything is written (a mismatch refuses with exit 2, nothing is touched):
#   --expect-size BYTES     the device has exactly this size (blockdev --getsize64)
#   --expect-serial S       the device's serial or WWN (lsblk, udev, sysfs) is S (case, dashes,
#                           underscores and a 0x prefix are ignored)
#   always: a block device, not holding /, /boot or /boot/efi, nothing on it mounted or in use
# Keys and bootmedic:
#   --bek-secret-url URL    Azure Disk Encryption: fetch the BEK from Key Vault with the worker's
#                           managed identity ('az login --identity', then Key Vault's REST API
#                           through 'az rest'; needs 'az' on the worker)
#   --bek-file FILE         a BEK already put on the worker (moved to tmpfs, deleted after the run)
#   --config F | --key-bundle F | --passphrase-file F | --outbox DIR | --report F   passed to bootmedic
#   --bootmedic PATH        the launcher (default: bootmedic on PATH, else /opt/bootmedic/bootmedic)
#   --dry-run               bootmedic fix --dry-run (changes nothing)
#   --release               instead of a repair: check that nothing on this worker holds the disk and
#                           flush it, before the driver detaches it (BOOTMEDIC_RELEASED=<dev>, exit 0;
#                           BOOTMEDIC_BUSY=<pids>, exit 1)
# INT/TERM stop bootmedic and wait for it, so the disk is free when the script ends (BOOTMEDIC_EXIT=1).
# The BEK goes to a mode-600 file in a mode-700 folder on tmpfs (/run, else /dev/shm); no tmpfs:
# exit 3 without running bootmedic. Exit: bootmedic's (0 fixed/clean, 1, 3, 4), 2 usage or refused disk.
#
# Test-only switch (never set it on a worker): BOOTMEDIC_TEST_DEV_ROOT=DIR looks the /dev/disk
# and /sys/class/block names up under DIR; the device they point to must still be a real block
# device and passes every check above.
set -euo pipefail

finish() { # CODE MESSAGE
  echo "worker-fix: $2" >&2
  echo "BOOTMEDIC_EXIT=$1"
  exit "$1"
}

lun="" ebs_volume="" ebs_device="" gce_name="" device="" bek_url="" bek_file="" dry_run=0 release=0
expect_size="" expect_serial="" bootmedic_bin=""
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1; shift; continue ;;
    --release) release=1; shift; continue ;;
    --azure-lun | --ebs-volume | --ebs-device | --gce-device-name | --device | --bek-secret-url | --bek-file | \
      --expect-size | --expect-serial | --bootmedic | --config | --key-bundle | --passphrase-file | --outbox | --report)
      if [ $# -lt 2 ] || [ -z "$2" ]; then finish 2 "$1 needs a value"; fi ;;
    *) finish 2 "unknown option $1 (see the comment at the top of worker-fix.sh)" ;;
  esac
  case "$1" in
    --azure-lun) lun=$2 ;;
    --ebs-volume) ebs_volume=$2 ;;
    --ebs-device) ebs_device=$2 ;;
    --gce-device-name) gce_name=$2 ;;
    --device) device=$2 ;;
    --bek-secret-url) bek_url=$2 ;;
    --bek-file) bek_file=$2 ;;
    --expect-size) expect_size=$2 ;;
    --expect-serial) expect_serial=$2 ;;
    --bootmedic) bootmedic_bin=$2 ;;
    *) pass+=("$1" "$2") ;;
  esac
  shift 2
done

test_root=${BOOTMEDIC_TEST_DEV_ROOT:-}
if [ -n "$test_root" ]; then
  echo "worker-fix: TEST SWITCH BOOTMEDIC_TEST_DEV_ROOT=$test_root is set: disk names are looked up there (unset it on a real worker)" >&2
fi
wait_seconds=${BOOTMEDIC_WAIT_SECONDS:-120}
poll_seconds=${BOOTMEDIC_POLL_SECONDS:-2}

chosen=0
for v in "$device" "$lun" "$ebs_volume" "$gce_name"; do [ -n "$v" ] && chosen=$((chosen + 1)); done
[ "$chosen" -eq 1 ] || finish 2 "say which disk, exactly one of: --azure-lun N, --ebs-volume VOL, --gce-device-name NAME or --device PATH"
if [ -n "$lun" ]; then
  if ! [[ "$lun" =~ ^[0-9]{1,2}$ ]] || [ "$lun" -gt 63 ]; then finish 2 "--azure-lun must be a LUN from 2 to 63, not '$lun'"; fi
  lun=$((10#$lun)) # "08" is LUN 8, not an octal number
  [ "$lun" -ge 2 ] || finish 2 "--azure-lun $lun refused: on a worker without the Azure udev rules the by-path names of its own OS and resource disks end in -lun-0/-lun-1. Attach the disk at LUN 2..63 (the drivers use 10) and run this again."
fi
[ -z "$ebs_volume" ] || [[ "$ebs_volume" =~ ^vol-[0-9a-f]{8,32}$ ]] || finish 2 "--ebs-volume must be a volume ID like vol-0123456789abcdef0, not '$ebs_volume'"
[ -z "$ebs_device" ] || [[ "$ebs_device" =~ ^/dev/(sd|xvd)[a-z]{1,2}$ ]] || finish 2 "--ebs-device must be a device name like /dev/sdf or /dev/xvdf, not '$ebs_device'"
[ -z "$gce_name" ] || [[ "$gce_name" =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$ ]] || finish 2 "--gce-device-name must be the attach's device name (letters, digits, - and _), not '$gce_name'"
[ -z "$expect_size" ] || [[ "$expect_size" =~ ^[1-9][0-9]{0,19}$ ]] || finish 2 "--expect-size must be a size in bytes, not '$expect_size'"
[ -z "$expect_serial" ] || [[ "$expect_serial" =~ ^[A-Za-z0-9._:-]{1,128}$ ]] || finish 2 "--expect-serial has characters no serial or WWN has: '$expect_serial'"

# The kernel name of an NVMe namespace (nvme0n2) whose sysfs attribute FILE equals VALUE (after trimming).
nvme_by_attr() { # FILE VALUE [MODEL]
  local ns val model
  for ns in "$test_root"/sys/class/block/nvme*n*; do
    [ -e "$ns/$1" ] || continue
    case "${ns##*/}" in *p[0-9]*) continue ;; esac
    val=$(tr -d '[:space:]' <"$ns/$1" 2>/dev/null || true)
    [ "$val" = "$2" ] || continue
    if [ -n "${3:-}" ]; then
      model=$(sed 's/[[:space:]]*$//' "$ns/device/model" 2>/dev/null || true)
      [ "$model" = "$3" ] || continue
    fi
    printf '%s\n' "$test_root/dev/${ns##*/}"
  done
}

# Stable names first (the first that exists wins), one per line.
exact_names() {
  if [ -n "$device" ]; then
    printf '%s\n' "$device"
  elif [ -n "$lun" ]; then
    printf '%s\n' "$test_root/dev/disk/azure/scsi1/lun$lun" "$test_root/dev/disk/azure/data/by-lun/$lun"
  elif [ -n "$ebs_volume" ]; then
    # systemd's 60-persistent-storage.rules: nvme-<model>_<serial>; EBS serial = volume ID without the dash
    printf '%s\n' "$test_root/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${ebs_volume//-/}"
  elif [ -n "$gce_name" ]; then
    # google-guest-configs' 65-gce-disk-naming.rules, SCSI and NVMe alike
    printf '%s\n' "$test_root/dev/disk/by-id/google-$gce_name"
  fi
}

# Fallbacks when no stable name exists: used only when they all name one and the same device.
fallback_names() {
  local p
  if [ -n "$lun" ]; then
    # Azure NVMe (v6 sizes) without azure-vm-utils: namespace 1 is the OS disk, data LUN N is namespace N+2
    nvme_by_attr nsid "$((lun + 2))" "MSFT NVMe Accelerator v1.0"
    for p in "$test_root"/dev/disk/by-path/*-lun-"$lun"; do
      [ -e "$p" ] && printf '%s\n' "$p"
    done
  elif [ -n "$ebs_volume" ]; then
    nvme_by_attr device/serial "${ebs_volume//-/}" "Amazon Elastic Block Store"
    if [ -n "$ebs_device" ]; then
      printf '%s\n' "$test_root$ebs_device" "$test_root/dev/xvd${ebs_device#/dev/*d}"
    fi
  fi
  return 0
}

find_device() { # prints the resolved device; returns 1 when none appeared, 2 when ambiguous
  local waited=0 c found
  while :; do
    while IFS= read -r c; do
      if [ -n "$c" ] && [ -e "$c" ]; then readlink -f -- "$c"; return 0; fi
    done < <(exact_names)
    found=$(fallback_names | while IFS= read -r c; do [ -e "$c" ] && readlink -f -- "$c"; done | sort -u)
    if [ -n "$found" ]; then
      if [ "$(printf '%s\n' "$found" | wc -l)" -gt 1 ]; then
        printf '%s\n' "$found" | tr '\n' ' '
        return 2
      fi
      printf '%s\n' "$found"
      return 0
    fi
    [ "$waited" -ge "$wait_seconds" ] && return 1
    sleep "$poll_seconds"
    waited=$((waited + poll_seconds))
  done
}

all_names() { { exact_names; fallback_names; } | tr '\n' ' '; }

rc=0
dev=$(find_device) || rc=$?
case "$rc" in
  0) ;;
  2) finish 2 "more than one device matches ($dev) and none by a stable name: refusing to guess. Install the cloud's udev rules (azure-vm-utils / amazon-ec2-utils) or pass --device with --expect-size, then run this again." ;;
  *) finish 1 "the attached disk did not appear within ${wait_seconds}s (looked for: $(all_names)). Check that the attach finished, then run this again." ;;
esac

# --- is it the disk the API attached, and not ours? ---
[ -b "$dev" ] || finish 2 "$dev is not a block device ($(stat -c %F -- "$dev" 2>/dev/null || echo missing)): refusing to write to it. Pass the attached disk's device."
kname=$(lsblk -dno KNAME -- "$dev" 2>/dev/null | head -n 1)
[ -n "$kname" ] || finish 2 "lsblk does not know $dev: refusing to write to it"

# The whole disks under /, /boot, /boot/efi and swap of this worker (through partitions, LVM, RAID, crypt).
own_disks() {
  local t src
  for t in / /boot /boot/efi; do
    src=$(findmnt -n -o SOURCE --target "$t" 2>/dev/null | head -n 1) || continue
    [ -b "$src" ] || continue
    lsblk -nsrpo NAME,TYPE -- "$src" 2>/dev/null | awk '$2 == "disk" || $2 == "loop" { print $1 }'
  done
  if [ -r /proc/swaps ]; then
    awk 'NR > 1 { print $1 }' /proc/swaps | while IFS= read -r src; do
      [ -b "$src" ] && lsblk -nsrpo NAME,TYPE -- "$src" 2>/dev/null | awk '$2 == "disk" || $2 == "loop" { print $1 }'
    done
  fi
  return 0
}
# the whole disk(s) the device is, or is a partition of
dev_disks=$(lsblk -nsrpo NAME,TYPE -- "$dev" 2>/dev/null | awk '$2 == "disk" || $2 == "loop" { print $1 }' | xargs -r -n1 readlink -f --)
while IFS= read -r own; do
  [ -n "$own" ] || continue
  if grep -qxF -- "$(readlink -f -- "$own")" <<<"$dev_disks"; then
    finish 2 "$dev is on this worker's own disk $own (it holds / or /boot or swap): the name pointed at the wrong disk. Nothing was written. Check the attach (LUN/device name) and run this again."
  fi
done < <(own_disks)
mounted=$(lsblk -nrpo NAME,MOUNTPOINT -- "$dev" 2>/dev/null | awk 'NF > 1 { print $1 " on " $2 }' | head -n 3 | tr '\n' ' ')
[ -z "$mounted" ] || finish 2 "$dev is in use on this worker (mounted: $mounted): refusing to write to it. Unmount it (or check that this is the right disk) and run this again."
holders=$(find "/sys/class/block/$kname/holders/" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null || true)
[ -z "$holders" ] || finish 2 "$dev is held by $holders(device-mapper/RAID) on this worker: refusing to write to it. Deactivate that first."

size=$(blockdev --getsize64 "$dev" 2>/dev/null) || finish 2 "cannot read the size of $dev (blockdev --getsize64 failed)"
if [ -n "$expect_size" ] && [ "$size" != "$expect_size" ]; then
  finish 2 "$dev has $size bytes, the attached disk has $expect_size: this is not the disk the API attached. Nothing was written. Check the attach and run this again."
fi

norm() { tr '[:upper:]' '[:lower:]' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//; s/^0x//; s/[-_[:space:]]//g'; }
device_ids() { # every serial/WWN the kernel and udev give for the device, one per line
  lsblk -dnro SERIAL,WWN -- "$dev" 2>/dev/null | tr ' ' '\n'
  udevadm info --query=property --name="$dev" 2>/dev/null |
    sed -n 's/^\(ID_SERIAL\|ID_SERIAL_SHORT\|ID_WWN\|ID_WWN_WITH_EXTENSION\|ID_SCSI_SERIAL\)=//p'
  cat "/sys/class/block/$kname/device/serial" "/sys/class/block/$kname/device/wwid" "/sys/class/block/$kname/wwid" 2>/dev/null
  return 0
}
ids=$(device_ids | norm | grep -v '^$' | sort -u || true)
if [ -n "$expect_serial" ]; then
  want=$(printf '%s' "$expect_serial" | norm)
  [ -n "$ids" ] || finish 2 "$dev has no serial or WWN (lsblk, udev, sysfs), so it cannot be checked against '$expect_serial': refusing to write to it. Check the attach, or run without --expect-serial only if --expect-size identifies the disk."
  grep -qxF -- "$want" <<<"$ids" ||
    finish 2 "$dev has serial/WWN '$(printf '%s' "$ids" | tr '\n' ' ')', the attached disk has '$expect_serial': this is not the disk the API attached. Nothing was written. Check the attach and run this again."
elif [ -n "$ebs_volume" ] && grep -q '^vol' <<<"$ids" && ! grep -qxF -- "${ebs_volume//-/}" <<<"$ids"; then
  finish 2 "$dev is EBS volume $(grep '^vol' <<<"$ids" | head -n 1), not $ebs_volume: the device name points at another volume. Nothing was written."
fi
echo "BOOTMEDIC_DEVICE=$dev"

# --release: before the driver detaches the disk (after a run, or after it cancelled one): nothing
# on this worker may hold it any more; flush it. BOOTMEDIC_RELEASED=<dev> (exit 0) or
# BOOTMEDIC_BUSY=<pids> (exit 1: do not detach yet).
if [ "$release" -eq 1 ]; then
  # every open file of every process is a /proc/PID/fd/N link to it: one find, not a readlink per fd
  busy=$(find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 -lname "$dev" 2>/dev/null | cut -d/ -f3 | sort -un | tr '\n' ' ' || true)
  if [ -n "$busy" ]; then
    echo "BOOTMEDIC_BUSY=$busy"
    echo "worker-fix: $dev is still open (process(es) $busy): do not detach it yet. Wait for them to end (or stop them), then run --release again." >&2
    exit 1
  fi
  blockdev --flushbufs "$dev" 2>/dev/null || true
  echo "BOOTMEDIC_RELEASED=$dev"
  exit 0
fi

if [ -z "$bootmedic_bin" ]; then
  if command -v bootmedic >/dev/null 2>&1; then bootmedic_bin=bootmedic; else bootmedic_bin=/opt/bootmedic/bootmedic; fi
fi
command -v "$bootmedic_bin" >/dev/null 2>&1 || finish 2 "bootmedic is not installed on this worker ($bootmedic_bin); copy agent/bootmedic and bootmedic.jar to /opt/bootmedic"

# --- the key, on tmpfs only ---
keydir=""
# shellcheck disable=SC2317 # called by the traps
cleanup() {
  if [ -n "$keydir" ]; then rm -rf -- "$keydir"; fi
  if [ -n "$bek_file" ]; then rm -f -- "$bek_file"; fi
  return 0
}
trap cleanup EXIT
child=""
# shellcheck disable=SC2317 # called by the traps
stop() { # SIGNAL: bootmedic is stopped and waited for, so nothing holds the disk when this script ends
  trap '' INT TERM
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  cleanup
  echo "worker-fix: stopped by $1; bootmedic was stopped and has exited: the disk is no longer in use on this worker. Run the repair again." >&2
  echo "BOOTMEDIC_EXIT=1"
  exit 1
}
trap 'stop INT' INT
trap 'stop TERM' TERM

tmpfs_dir() { # a private folder on tmpfs, or nothing
  local base
  for base in ${BOOTMEDIC_KEY_TMPFS:-/run /dev/shm}; do
    if [ ! -d "$base" ] || [ "$(stat -f -c %T -- "$base" 2>/dev/null)" != tmpfs ]; then continue; fi
    (umask 077 && mktemp -d "$base/bootmedic-key.XXXXXX") 2>/dev/null && return 0
  done
  return 1
}
if [ -n "$bek_url" ]; then
  # https://<vault host>/secrets/<name>/<version>, as Azure Disk Encryption records it
  if ! [[ "$bek_url" =~ ^https://([A-Za-z0-9.-]+(:[0-9]{1,5})?)/secrets/[A-Za-z0-9-]{1,127}/[0-9a-fA-F]{1,64}$ ]]; then
    finish 2 "--bek-secret-url must be a Key Vault secret URL https://VAULT.vault.azure.net/secrets/NAME/VERSION (as in the VM's encryption settings), not '$bek_url'"
  fi
  kv_host=${BASH_REMATCH[1]}
fi
if [ -n "$bek_url$bek_file" ]; then
  keydir=$(tmpfs_dir) || finish 3 "no tmpfs on this worker (/run, /dev/shm) to hold the BEK: the key is never written to a disk. Mount one (mount -t tmpfs -o mode=700 tmpfs /run/bootmedic) and run this again."
  chmod 700 "$keydir"
fi
if [ -n "$bek_url" ]; then
  command -v az >/dev/null 2>&1 || finish 3 "the disk uses Azure Disk Encryption but 'az' is not installed on the worker; install it or use the driver's --via ssh (the BEK is then piped from your machine)"
  az login --identity --allow-no-subscriptions --only-show-errors </dev/null >/dev/null ||
    finish 3 "the worker could not log in with its managed identity; give the worker VM a managed identity with 'get' on the Key Vault's secrets"
  # Key Vault's REST API through 'az rest' ('az keyvault secret show' of Debian 12's azure-cli 2.45
  # fails to load: no azure.keyvault.v7_0). The token's resource is the vault's domain without the
  # vault name (myvault.vault.azure.net -> https://vault.azure.net, the same in the other clouds).
  # The secret goes from az straight through base64 into a mode-600 file: never echoed, never an argument.
  if [[ "$kv_host" =~ ^[0-9.]+(:[0-9]+)?$ ]]; then kv_resource="https://$kv_host"; else kv_resource="https://${kv_host#*.}"; fi
  if ! (umask 077 && az rest --method get --url "$bek_url?api-version=7.4" --resource "$kv_resource" --query value -o tsv --only-show-errors </dev/null |
    base64 -d >"$keydir/disk.BEK") || [ ! -s "$keydir/disk.BEK" ]; then
    finish 3 "could not read the BEK secret from Key Vault (is the worker's identity allowed to get secrets in that vault?)"
  fi
  pass+=(--bek "$keydir/disk.BEK")
elif [ -n "$bek_file" ]; then
  [ -s "$bek_file" ] || finish 3 "the BEK file $bek_file is missing or empty on the worker"
  (umask 077 && cat -- "$bek_file" >"$keydir/disk.BEK")
  chmod 600 "$keydir/disk.BEK"
  rm -f -- "$bek_file"
  pass+=(--bek "$keydir/disk.BEK")
fi

args=(fix --device "$dev")
[ "$dry_run" -eq 1 ] && args+=(--dry-run)
rc=0
# in the background so that a TERM/INT reaches the trap at once (bash runs traps only between commands)
"$bootmedic_bin" "${args[@]}" "${pass[@]}" </dev/null &
child=$!
wait "$child" || rc=$?
child=""
echo "BOOTMEDIC_EXIT=$rc"
exit "$rc"
