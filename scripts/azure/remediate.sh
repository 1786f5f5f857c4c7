#!/usr/bin/env bash
# Repairs Azure Windows VMs whose OS disk boot-loops on a faulty driver/content file, with one
# Linux worker VM in the same region (and zone) doing the repair:
#
#   per VM: deallocate -> snapshot the OS disk (kept for rollback) -> new disk from the snapshot
#           -> attach it to the worker -> bootmedic fix --device there -> detach
#           -> swap the repaired disk in as OS disk (az vm update --os-disk) -> start
#
# The original OS disk is never written: it stays attached to the VM until the swap, and after
# the swap its ID is kept in the VM's tag 'bootmedicOriginalOsDisk' for 'rollback'.
#
# Usage:
#   remediate.sh fix --worker-group RG --worker NAME  (targets)  [options]
#   remediate.sh rollback --resource-group RG --vm NAME [--dry-run]
# Targets (one or more):
#   --resource-group RG [--vm NAME]   every Windows VM of RG, or just NAME
#   --tag KEY=VALUE                   every VM carrying that tag (with --resource-group: in RG only)
#   --csv FILE                        lines "resource_group,vm_name" (a header line is skipped)
# Options:
#   --via run-command|ssh   how bootmedic is started on the worker (default run-command);
#   --ssh HOST              for --via ssh: user@host of the worker (key-based login, sudo)
#   --lun N                 LUN used on the worker (default 10); one VM at a time per LUN
#   --bootmedic PATH        launcher on the worker (default: bootmedic on PATH, else /opt/bootmedic/bootmedic)
#   --config F | --key-bundle F | --passphrase-file F | --outbox DIR
#                           passed to bootmedic; PATHS ON THE WORKER (guest BitLocker keys, collector)
#   --record FILE           append one line per VM (disks, snapshot, result); default ./bootmedic-azure-runs.tsv
#   --dry-run               list the VMs and what would be done; no change anywhere
# Exit: 0 every VM fixed (or nothing to do), 1 some VM failed, 2 usage, 3 not logged in to Azure.
set -euo pipefail
# shellcheck disable=SC2034
BM_TOOL=bootmedic-azure # read by the functions in scripts/lib/common.sh
# shellcheck disable=SC1091 # shellcheck checks scripts/lib/common.sh on its own
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
self="bash scripts/azure/remediate.sh"

command_name=fix
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then command_name=$1; shift; fi

rg="" vm_name="" tag="" csv="" worker_rg="" worker="" via=run-command ssh_host="" lun=10
bootmedic_bin="" record="./bootmedic-azure-runs.tsv" dry_run=0
pass=()

help() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -g | --resource-group) rg=${2:?}; shift 2 ;;
      --vm) vm_name=${2:?}; shift 2 ;;
      --tag) tag=${2:?}; shift 2 ;;
      --csv) csv=${2:?}; shift 2 ;;
      --worker-group) worker_rg=${2:?}; shift 2 ;;
      --worker) worker=${2:?}; shift 2 ;;
      --via) via=${2:?}; shift 2 ;;
      --ssh) ssh_host=${2:?}; shift 2 ;;
      --lun) lun=${2:?}; shift 2 ;;
      --bootmedic) bootmedic_bin=${2:?}; shift 2 ;;
      --config | --key-bundle | --passphrase-file | --outbox) pass+=("$1" "${2:?}"); shift 2 ;;
      --record) record=${2:?}; shift 2 ;;
      --dry-run) dry_run=1; shift ;;
      -h | --help) help; exit 0 ;;
      *) usage_error "unknown option: $1" ;;
    esac
  done
}

# ---- targets ------------------------------------------------------------------------------

# Prints "resource_group<TAB>vm_name" for every target VM.
list_targets() {
  if [ -n "$csv" ]; then
    csv_targets "$csv" 'resource|group' | while IFS=$'\t' read -r g n; do
      [ -n "$g" ] || g=$rg
      [ -n "$g" ] || die "CSV line for VM '$n' has no resource group (and no --resource-group given)" 2
      printf '%s\t%s\n' "$g" "$n"
    done
  fi
  if [ -n "$tag" ]; then
    local q=(resource list --tag "$tag" --resource-type Microsoft.Compute/virtualMachines --query "[].[resourceGroup, name]" -o tsv)
    [ -n "$rg" ] && q+=(--resource-group "$rg")
    az "${q[@]}" || die "could not list VMs tagged $tag (az resource list failed)"
  elif [ -n "$rg" ] && [ -n "$vm_name" ]; then
    printf '%s\t%s\n' "$rg" "$vm_name"
  elif [ -n "$rg" ] && [ -z "$csv" ]; then
    az vm list --resource-group "$rg" --query "[?storageProfile.osDisk.osType=='Windows'].[resourceGroup, name]" -o tsv ||
      die "could not list the VMs of resource group $rg (az vm list failed)"
  fi
}

# ---- facts (read-only calls) --------------------------------------------------------------

worker_location="" worker_zone=""
read_worker() {
  local facts
  facts=$(az vm show --resource-group "$worker_rg" --name "$worker" --query "[location, zones[0] || '']" -o tsv) ||
    die "cannot read the worker VM $worker_rg/$worker; create it (a Linux VM with bootmedic in /opt/bootmedic) in the same region as the VMs"
  local f
  mapfile -t f <<<"$facts"
  worker_location=${f[0]:-} worker_zone=${f[1]:-}
}

# Sets disk_id disk_name location zone os_type sku hyperv_gen bek_url kek_url for one VM.
read_vm() { # RG VM
  local facts f
  facts=$(az vm show --resource-group "$1" --name "$2" \
    --query "[storageProfile.osDisk.managedDisk.id, storageProfile.osDisk.name, location, zones[0] || '', storageProfile.osDisk.osType]" -o tsv) || return 1
  mapfile -t f <<<"$facts"
  disk_id=${f[0]:-} disk_name=${f[1]:-} location=${f[2]:-} zone=${f[3]:-} os_type=${f[4]:-}
  [ -n "$disk_id" ] || return 1
  facts=$(az disk show --ids "$disk_id" \
    --query "[sku.name, hyperVGeneration || '', encryptionSettingsCollection.encryptionSettings[0].diskEncryptionKey.secretUrl || '', encryptionSettingsCollection.encryptionSettings[0].keyEncryptionKey.keyUrl || '']" -o tsv) || return 1
  mapfile -t f <<<"$facts"
  sku=${f[0]:-} hyperv_gen=${f[1]:-} bek_url=${f[2]:-} kek_url=${f[3]:-}
}

# ---- one VM -------------------------------------------------------------------------------

step="" snap_id="" new_id="" attached=0 swapped=0

print_plan() { # RG VM SNAP FIX
  echo "PLAN $1/$2 (OS disk $disk_name, $sku${zone:+, zone $zone}${bek_url:+, Azure Disk Encryption})"
  echo "  1. az vm deallocate $1/$2"
  echo "  2. snapshot $disk_name -> $3 (kept for rollback)"
  echo "  3. disk $4 from that snapshot"
  echo "  4. attach $4 to worker $worker_rg/$worker at LUN $lun"
  [ -n "$bek_url" ] && echo "  4b. BEK from Key Vault (${bek_url%%/secrets/*}) to a mode-600 file on the worker, deleted after"
  echo "  5. bootmedic fix --device (LUN $lun) on the worker via $via${pass[*]:+ with ${pass[*]}}"
  echo "  6. detach $4; az vm update --os-disk $4; az vm start $1/$2"
}

run_bootmedic_on_worker() { # VM_NAME -> sets worker_rc
  local args=(--azure-lun "$lun") out payload
  [ -n "$bootmedic_bin" ] && args+=(--bootmedic "$bootmedic_bin")
  args+=("${pass[@]}")
  if [ "$via" = ssh ]; then
    if [ -n "$bek_url" ]; then
      local bek_path="/run/bootmedic-$1.BEK"
      step=bek
      # secret: az -> base64 -d -> ssh stdin -> mode-600 file; never printed, never an argument
      az keyvault secret show --id "$bek_url" --query value -o tsv | base64 -d |
        ssh -o BatchMode=yes "$ssh_host" "sudo sh -c 'umask 077; cat > $bek_path'" || return 1
      args+=(--bek-file "$bek_path")
    fi
    step=bootmedic
    out=$(ssh -o BatchMode=yes "$ssh_host" "sudo bash -s --$(printf ' %q' "${args[@]}")" <"$BM_LIB_DIR/worker-fix.sh") || true
  else
    [ -n "$bek_url" ] && args+=(--bek-secret-url "$bek_url")
    payload=$(worker_payload "${args[@]}")
    step=bootmedic
    out=$(az vm run-command invoke --resource-group "$worker_rg" --name "$worker" --command-id RunShellScript \
      --scripts "$(worker_command "$payload")" --query "value[0].message" -o tsv) || return 1
  fi
  printf '%s\n' "$out" | sed 's/^/    worker| /'
  worker_rc=$(worker_exit_code "$out")
}

# The whole sequence; returns non-zero at the first failed step ($step says which).
remediate_steps() { # RG VM STAMP
  local g=$1 n=$2 short="${disk_name:0:50}"
  local snap="$short-bm-$3-snap" fix="$short-bm-$3-fixed"
  local zone_args=() gen_args=() tags=("bootmedic-vm=$n" "bootmedic-source-disk=$disk_name")
  [ -n "$zone" ] && zone_args=(--zone "$zone")
  [ -n "$hyperv_gen" ] && gen_args=(--hyper-v-generation "$hyperv_gen")
  fix_name=$fix

  step=deallocate; say "$g/$n: deallocating"
  az vm deallocate --resource-group "$g" --name "$n" || return 1
  step=snapshot; say "$g/$n: snapshot $snap of $disk_name"
  snap_id=$(az snapshot create --resource-group "$g" --name "$snap" --source "$disk_id" --location "$location" \
    --tags "${tags[@]}" --query id -o tsv) || return 1
  step=create-disk; say "$g/$n: disk $fix from the snapshot"
  new_id=$(az disk create --resource-group "$g" --name "$fix" --source "$snap_id" --location "$location" --sku "$sku" \
    "${zone_args[@]}" "${gen_args[@]}" --tags "${tags[@]}" --query id -o tsv) || return 1
  step=attach; say "$g/$n: attaching $fix to $worker at LUN $lun"
  az vm disk attach --resource-group "$worker_rg" --vm-name "$worker" --name "$new_id" --lun "$lun" || return 1
  attached=1
  worker_rc=""
  run_bootmedic_on_worker "$n" || return 1
  step=bootmedic
  if [ "$worker_rc" != 0 ]; then
    say "$g/$n: bootmedic on the worker: exit ${worker_rc:-none}: $(explain_bootmedic_exit "$worker_rc")"
    return 1
  fi
  step=detach; say "$g/$n: bootmedic fixed the copy; detaching it from the worker"
  az vm disk detach --resource-group "$worker_rg" --vm-name "$worker" --name "$fix" || return 1
  attached=0
  step=swap; say "$g/$n: swapping $fix in as OS disk (original kept: $disk_name)"
  az vm update --resource-group "$g" --name "$n" --os-disk "$new_id" --set "tags.bootmedicOriginalOsDisk=$disk_id" || return 1
  swapped=1
  step=start; say "$g/$n: starting"
  az vm start --resource-group "$g" --name "$n" || return 1
}

explain_failure() { # RG VM
  local g=$1 n=$2
  echo "FAILED $g/$n at step '$step'."
  if [ "$attached" = 1 ]; then
    say "$g/$n: detaching the copy from the worker so the worker can go on"
    if az vm disk detach --resource-group "$worker_rg" --vm-name "$worker" --name "$fix_name"; then
      attached=0
    else
      echo "  The copy $fix_name is STILL ATTACHED to $worker: az vm disk detach -g $worker_rg --vm-name $worker -n $fix_name"
    fi
  fi
  if [ "$swapped" = 0 ]; then
    echo "  The original OS disk $disk_name is untouched and still the VM's OS disk."
    if [ "$step" != deallocate ]; then
      echo "  The VM is deallocated. To bring it back exactly as it was: az vm start -g $g -n $n"
    fi
    [ -n "$new_id" ] && echo "  Unused copy (delete when done): az disk delete --ids $new_id --yes"
    [ -n "$snap_id" ] && echo "  Snapshot kept: $snap_id"
    echo "  Next: fix the cause above and run the same command again for this VM (--resource-group $g --vm $n)."
  else
    echo "  The repaired disk $fix_name is the OS disk now; the original $disk_name is unchanged."
    echo "  To roll back (original disk back in): $self rollback --resource-group $g --vm $n"
  fi
}

record_line() { # RG VM RESULT
  [ "$dry_run" = 1 ] && return 0
  if [ ! -f "$record" ]; then
    printf 'time\tresource_group\tvm\tresult\tstep\toriginal_disk\tsnapshot\trepaired_disk\n' >>"$record"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$1" "$2" "$3" "$step" "$disk_id" "$snap_id" "$new_id" >>"$record"
}

remediate_vm() { # RG VM STAMP -> prints one result word
  local g=$1 n=$2
  step=read snap_id="" new_id="" attached=0 swapped=0 fix_name="" disk_id=""
  if ! read_vm "$g" "$n"; then
    echo "FAILED $g/$n: cannot read the VM or its OS disk (az vm show / az disk show failed); nothing was changed." >&2
    RESULT=failed; return 0
  fi
  if [ "$os_type" != Windows ]; then
    say "$g/$n: OS disk is $os_type, not Windows: skipped"
    RESULT=skipped; return 0
  fi
  if [ "$location" != "$worker_location" ] || { [ -n "$zone" ] && [ "$zone" != "$worker_zone" ]; }; then
    echo "FAILED $g/$n: the VM is in $location${zone:+ zone $zone}, the worker in $worker_location${worker_zone:+ zone $worker_zone}; a disk only attaches in its own region/zone. Nothing was changed. Use a worker there." >&2
    RESULT=failed; return 0
  fi
  if [ -n "$kek_url" ]; then
    echo "FAILED $g/$n: Azure Disk Encryption with a key-encryption key (KEK): the BEK in Key Vault is wrapped and this script does not unwrap it. Nothing was changed. Unwrap it as docs/mass-remediation.md says and run bootmedic on the worker with --bek." >&2
    RESULT=failed; return 0
  fi
  if [ "$dry_run" = 1 ]; then
    print_plan "$g" "$n" "${disk_name:0:50}-bm-$3-snap" "${disk_name:0:50}-bm-$3-fixed"
    RESULT=planned; return 0
  fi
  if remediate_steps "$g" "$n" "$3"; then
    echo "FIXED $g/$n: running on the repaired disk ${fix_name}; original ${disk_name} and snapshot kept."
    echo "  Roll back if needed: $self rollback --resource-group $g --vm $n"
    RESULT=fixed
  else
    explain_failure "$g" "$n"
    RESULT=failed
  fi
  record_line "$g" "$n" "$RESULT"
}

cmd_fix() {
  if [ -z "$worker_rg" ] || [ -z "$worker" ]; then usage_error "name the Linux worker VM: --worker-group RG --worker NAME"; fi
  [ -n "$rg$tag$csv" ] || usage_error "name the VMs: --resource-group RG [--vm NAME], --tag KEY=VALUE or --csv FILE"
  case "$via" in
    run-command) ;;
    ssh) [ -n "$ssh_host" ] || usage_error "--via ssh needs --ssh user@worker-address"; need_tool ssh "Install an OpenSSH client." ;;
    *) usage_error "--via must be run-command or ssh" ;;
  esac
  [[ "$lun" =~ ^[0-9]+$ ]] || usage_error "--lun must be a number"
  need_tool az "Install the Azure CLI and 'az login'."
  az account show --query id -o tsv >/dev/null || die "not logged in to Azure: run 'az login' (and 'az account set -s SUBSCRIPTION')" 3
  read_worker

  local targets stamp g n results=() failed=0
  targets=$(list_targets)
  [ -n "$targets" ] || { say "no VMs matched; nothing to do"; return 0; }
  stamp=$(run_stamp)
  [ "$dry_run" = 1 ] && echo "DRY RUN: nothing will be changed."
  while IFS=$'\t' read -r g n; do
    [ -n "$n" ] || continue
    remediate_vm "$g" "$n" "$stamp" </dev/null
    results+=("$RESULT $g/$n")
    [ "$RESULT" = failed ] && failed=$((failed + 1))
  done <<<"$targets"
  print_summary "$dry_run" "$failed" "VM(s)" "$record has every disk and snapshot ID" "${results[@]}"
}

cmd_rollback() {
  if [ -z "$rg" ] || [ -z "$vm_name" ]; then usage_error "rollback needs --resource-group RG --vm NAME"; fi
  need_tool az "Install the Azure CLI and 'az login'."
  local original current
  original=$(az vm show --resource-group "$rg" --name "$vm_name" --query "tags.bootmedicOriginalOsDisk || ''" -o tsv) ||
    die "cannot read VM $rg/$vm_name"
  current=$(az vm show --resource-group "$rg" --name "$vm_name" --query "storageProfile.osDisk.managedDisk.id" -o tsv) ||
    die "cannot read VM $rg/$vm_name"
  [ -n "$original" ] || die "VM $rg/$vm_name has no tag bootmedicOriginalOsDisk: it was not swapped by this script (or was rolled back already). Nothing changed."
  echo "ROLLBACK $rg/$vm_name: OS disk $current -> original $original"
  if [ "$dry_run" = 1 ]; then
    echo "DRY RUN: would deallocate, az vm update --os-disk $original, start. Nothing was changed."
    return 0
  fi
  az vm deallocate --resource-group "$rg" --name "$vm_name" || die "deallocate failed; nothing else was changed"
  az vm update --resource-group "$rg" --name "$vm_name" --os-disk "$original" --remove tags.bootmedicOriginalOsDisk ||
    die "swap back failed; the VM is deallocated on the repaired disk $current. Retry: $self rollback --resource-group $rg --vm $vm_name"
  az vm start --resource-group "$rg" --name "$vm_name" || die "the original disk is back but the VM did not start: az vm start -g $rg -n $vm_name"
  echo "ROLLED BACK $rg/$vm_name: running on the original OS disk again. The repaired disk $current is unused now (delete it when done)."
}

parse_args "$@"
case "$command_name" in
  fix) cmd_fix ;;
  rollback) cmd_rollback ;;
  help) help ;;
  *) usage_error "unknown command '$command_name' (fix or rollback)" ;;
esac
