#!/usr/bin/env bash
# Runs ON THE WORKER (the Linux rescue VM an OS disk is attached to), as root: finds the attached
# disk, puts the BitLocker startup key (BEK) in a private file if there is one, runs
# 'bootmedic fix --device' and prints BOOTMEDIC_EXIT=<code> as its last line for the driver.
# The drivers send it through 'az vm run-command', 'aws ssm send-command' or ssh; it can also be
# run by hand on a worker:  sudo bash worker-fix.sh --azure-lun 10 --config /etc/bootmedic/agent.conf
#
#   --azure-lun N           the disk at LUN N (/dev/disk/azure/scsi1/lunN, or by-path ...-lun-N)
#   --ebs-volume VOL-ID     the EBS volume (Nitro NVMe by its serial, else --ebs-device)
#   --ebs-device /dev/sdf   the device name it was attached as (Xen instances: /dev/xvdf)
#   --device PATH           this block device
#   --bek-secret-url URL    Azure Disk Encryption: fetch the BEK from Key Vault with the worker's
#                           managed identity ('az login --identity'; needs 'az' on the worker)
#   --bek-file FILE         a BEK already put on the worker (deleted after the run)
#   --config F | --key-bundle F | --passphrase-file F | --outbox DIR | --report F   passed to bootmedic
#   --bootmedic PATH        the launcher (default: bootmedic on PATH, else /opt/bootmedic/bootmedic)
#   --dry-run               bootmedic fix --dry-run (changes nothing)
set -euo pipefail

lun="" ebs_volume="" ebs_device="" device="" bek_url="" bek_file="" dry_run=0
bootmedic_bin=""
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --azure-lun) lun=$2; shift 2 ;;
    --ebs-volume) ebs_volume=$2; shift 2 ;;
    --ebs-device) ebs_device=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --bek-secret-url) bek_url=$2; shift 2 ;;
    --bek-file) bek_file=$2; shift 2 ;;
    --config | --key-bundle | --passphrase-file | --outbox | --report) pass+=("$1" "$2"); shift 2 ;;
    --bootmedic) bootmedic_bin=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    *) echo "worker-fix: unknown option $1" >&2; echo "BOOTMEDIC_EXIT=2"; exit 2 ;;
  esac
done

finish() { # CODE MESSAGE
  echo "worker-fix: $2" >&2
  echo "BOOTMEDIC_EXIT=$1"
  exit "$1"
}

dev_prefix=${BOOTMEDIC_DEV_PREFIX:-}   # tests point this at a fake /dev tree
wait_seconds=${BOOTMEDIC_WAIT_SECONDS:-120}

candidates() {
  if [ -n "$device" ]; then
    printf '%s\n' "$device"
  elif [ -n "$lun" ]; then
    printf '%s\n' "$dev_prefix/dev/disk/azure/scsi1/lun$lun"
    # without the Azure udev rules: the SCSI path of a data disk ends in -lun-N
    find "$dev_prefix/dev/disk/by-path" -maxdepth 1 -name "*-lun-$lun" 2>/dev/null || true
  elif [ -n "$ebs_volume" ]; then
    # Nitro: NVMe, serial = volume ID without the dash
    printf '%s\n' "$dev_prefix/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${ebs_volume//-/}"
    if [ -n "$ebs_device" ]; then
      printf '%s\n' "$dev_prefix$ebs_device" "$dev_prefix/dev/xvd${ebs_device#/dev/sd}"
    fi
  fi
}

find_device() {
  local waited=0 c
  while :; do
    while IFS= read -r c; do
      if [ -n "$c" ] && { [ -b "$c" ] || [ -f "$c" ]; }; then
        readlink -f "$c"
        return 0
      fi
    done < <(candidates)
    [ "$waited" -ge "$wait_seconds" ] && return 1
    sleep 2
    waited=$((waited + 2))
  done
}

if [ -z "$device$lun$ebs_volume" ]; then
  finish 2 "say which disk: --azure-lun N, --ebs-volume VOL or --device PATH"
fi
dev=$(find_device) || finish 1 "the attached disk did not appear within ${wait_seconds}s (looked for: $(candidates | tr '\n' ' ')). Check that the attach finished, then run this again."
echo "BOOTMEDIC_DEVICE=$dev"

if [ -z "$bootmedic_bin" ]; then
  if command -v bootmedic >/dev/null 2>&1; then bootmedic_bin=bootmedic; else bootmedic_bin=/opt/bootmedic/bootmedic; fi
fi
command -v "$bootmedic_bin" >/dev/null 2>&1 || finish 2 "bootmedic is not installed on this worker ($bootmedic_bin); copy agent/bootmedic and bootmedic.jar to /opt/bootmedic"

keydir=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { [ -n "$keydir" ] && rm -rf "$keydir"; [ -n "$bek_file" ] && rm -f "$bek_file"; return 0; }
trap cleanup EXIT

if [ -n "$bek_url" ]; then
  command -v az >/dev/null 2>&1 || finish 3 "the disk uses Azure Disk Encryption but 'az' is not installed on the worker; install it or use the driver's --via ssh (the BEK is then piped from your machine)"
  keydir=$(umask 077 && mktemp -d /tmp/bootmedic-key.XXXXXX)
  az login --identity --allow-no-subscriptions --only-show-errors >/dev/null ||
    finish 3 "the worker could not log in with its managed identity; give the worker VM a managed identity with 'get' on the Key Vault's secrets"
  # the secret goes from az straight through base64 into a mode-600 file: never echoed, never an argument
  if ! (umask 077 && az keyvault secret show --id "$bek_url" --query value -o tsv --only-show-errors | base64 -d > "$keydir/disk.BEK") ||
     [ ! -s "$keydir/disk.BEK" ]; then
    finish 3 "could not read the BEK secret from Key Vault (is the worker's identity allowed to get secrets in that vault?)"
  fi
  pass+=(--bek "$keydir/disk.BEK")
elif [ -n "$bek_file" ]; then
  [ -s "$bek_file" ] || finish 3 "the BEK file $bek_file is missing or empty on the worker"
  chmod 600 "$bek_file"
  pass+=(--bek "$bek_file")
fi

args=(fix --device "$dev")
[ "$dry_run" -eq 1 ] && args+=(--dry-run)
rc=0
"$bootmedic_bin" "${args[@]}" "${pass[@]}" || rc=$?
echo "BOOTMEDIC_EXIT=$rc"
exit "$rc"
