#!/usr/bin/env bash
# Repairs Azure Windows VMs whose OS disk boot-loops on a faulty driver/content file, with a
# Linux worker VM in the same region (and zone) doing the repair on a COPY of the OS disk:
#
#   per VM: deallocate -> incremental snapshot of the OS disk (kept; waited for until complete)
#           -> new disk from the snapshot -> attach it to the worker at --lun
#           -> bootmedic fix --device there (managed Run Command, or ssh) -> detach
#           -> swap the repaired copy in as OS disk -> start
#
# The original OS disk is never written. After the swap its ID is in the VM's tag
# 'bootmedicOriginalOsDisk' (and in the copy's tag of the same name); a second run never
# replaces it, and a VM carrying it counts as done unless --force.
#
# Usage:
#   remediate.sh fix --worker-group RG --worker NAME (targets) [options]
#   remediate.sh resume   --resource-group RG --vm NAME [--record FILE]   finish an interrupted/failed run
#   remediate.sh cleanup  --resource-group RG --vm NAME [--record FILE]   undo an unfinished run (VM back on its original disk)
#   remediate.sh rollback --resource-group RG --vm NAME [--dry-run]       put the original OS disk back after a swap
# Targets (one or more):
#   --resource-group RG [--vm NAME]   every Windows VM of RG, or just NAME
#   --tag KEY=VALUE                   every VM carrying that tag (with --resource-group: in RG only)
#   --csv FILE                        lines "resource_group,vm_name" (a header line is skipped)
# Options:
#   --via run-command|ssh   how bootmedic is started on the worker (default run-command: a managed
#                           run command named bootmedic-lunN, one per LUN, so runs at different LUNs
#                           of one worker do not block each other)
#   --ssh HOST              for --via ssh: user@host of the worker (key-based login, sudo)
#   --lun N                 LUN used on the worker (default 10; 0 and 1 are refused: worker disk
#                           discovery could match the worker's own disks there)
#   --ade                   also repair VMs with single-pass Azure Disk Encryption (BEK in Key Vault,
#                           no KEK); see docs/mass-remediation.md for what this does and its limits
#   --force                 repair VMs that were already repaired (the original disk record is kept)
#   --bootmedic PATH        launcher on the worker (default: bootmedic on PATH, else /opt/bootmedic/bootmedic)
#   --config F | --key-bundle F | --passphrase-file F | --outbox DIR
#                           passed to bootmedic; PATHS ON THE WORKER (guest BitLocker keys, collector)
#   --record FILE           one line per VM and step (disks, snapshot, state); default ./bootmedic-azure-runs.tsv
#   --dry-run               list the VMs and what would be done; no change anywhere
# Environment (tests, slow regions): BOOTMEDIC_POLL_SECONDS (5), BOOTMEDIC_WAIT_SECONDS (1800),
#   BOOTMEDIC_RUN_TIMEOUT (5400, the run command's own limit), BOOTMEDIC_AZ_RETRY_SECONDS (10,
#   first back-off after a 409 Conflict / 429), BOOTMEDIC_AZ_RETRIES (6).
# Exit: 0 every VM fixed (or nothing to do), 1 some VM failed, 2 usage, 3 not logged in to Azure.
set -euo pipefail
# shellcheck disable=SC2034
BM_TOOL=bootmedic-azure # read by the functions in scripts/lib/common.sh
# shellcheck disable=SC1091 # shellcheck checks scripts/lib/common.sh on its own
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
self="bash scripts/azure/remediate.sh"

# VMs and run commands go through 'az rest' with this API version: the response shape is then the
# REST reference's, whatever SDK models the installed az has (Debian's azure-cli 2.45 cannot run any
# 'az vm' command: "API version 2022-11-01 does not have operation group 'virtual_machines'").
VM_API=2022-08-01
poll=${BOOTMEDIC_POLL_SECONDS:-5}
wait_limit=${BOOTMEDIC_WAIT_SECONDS:-1800}
run_timeout=${BOOTMEDIC_RUN_TIMEOUT:-5400}
retry_first=${BOOTMEDIC_AZ_RETRY_SECONDS:-10}
retries=${BOOTMEDIC_AZ_RETRIES:-6}

command_name=fix
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then command_name=$1; shift; fi

rg="" vm_name="" tag="" csv="" worker_rg="" worker="" via=run-command ssh_host="" lun=10
bootmedic_bin="" record="./bootmedic-azure-runs.tsv" dry_run=0 ade=0 force=0
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
      --ade) ade=1; shift ;;
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

# ---- az with retries ----------------------------------------------------------------------

# Runs az; on 409 Conflict (another operation or run command in progress), 429 or a retryable
# error it waits and tries again with a doubling back-off. Prints az's stdout.
azx() {
  local delay=$retry_first try=0 out errf rc
  errf=$(mktemp "${TMPDIR:-/tmp}/bootmedic-az.XXXXXX")
  while :; do
    rc=0
    out=$(az "$@" 2>"$errf") || rc=$?
    if [ "$rc" = 0 ]; then
      rm -f "$errf"
      [ -z "$out" ] || printf '%s\n' "$out"
      return 0
    fi
    if [ "$try" -lt "$retries" ] && grep -Eq '"code": *"(Conflict|TooManyRequests|RetryableError)"|\((Conflict|TooManyRequests|RetryableError)\)' "$errf"; then
      say "Azure answered 'busy' ($(grep -Eo 'Conflict|TooManyRequests|RetryableError' "$errf" | head -n 1)) to 'az $1 $2'; trying again in ${delay}s"
      sleep "$delay"
      delay=$((delay * 2)) try=$((try + 1))
      continue
    fi
    cat "$errf" >&2
    rm -f "$errf"
    return "$rc"
  done
}

arm_get() { azx rest --method get --url "$1?api-version=$VM_API${3:+&$3}" --query "$2" -o tsv; } # URL QUERY [EXTRA_PARAMS]
arm_send() { azx rest --method "$1" --url "$2?api-version=$VM_API" --body "$3" -o none; }        # METHOD URL BODY

vm_url() { printf '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s' "$sub" "$1" "$2"; }

power_state() { arm_get "$1/instanceView" "statuses[?starts_with(code, 'PowerState/')].code | [0]"; }

# Waits until the VM's power state is PowerState/$2 (deadline BOOTMEDIC_WAIT_SECONDS).
wait_power() { # VM_URL STATE
  local waited=0 s
  while :; do
    s=$(power_state "$1") || return 1
    [ "$s" = "PowerState/$2" ] && return 0
    if awk -v w="$waited" -v l="$wait_limit" 'BEGIN { exit !(w >= l) }'; then
      say "gave up after ${wait_limit}s waiting for $2 (state: ${s:-unknown})"
      return 1
    fi
    sleep "$poll"
    waited=$(awk -v w="$waited" -v p="$poll" 'BEGIN { print w + p }')
  done
}

# Waits until a PUT/PATCH on the VM has finished; fails if ARM says Failed. With EXPR and VALUE:
# also fails unless the JMESPath EXPR on the finished VM gives VALUE (the change really happened).
wait_provisioned() { # VM_URL [EXPR VALUE]
  local waited=0 s f
  while :; do
    s=$(arm_get "$1" "[properties.provisioningState, ${2:-'-'} || '']") || return 1
    mapfile -t f <<<"$s"
    s=${f[0]:-}
    case "$s" in
      Succeeded)
        [ $# -lt 3 ] || [ "${f[1]:-}" = "$3" ] && return 0
        say "the VM update finished, but ${2} is '${f[1]:-}', not '$3'"
        return 1 ;;
      Failed) say "the VM update failed (provisioningState Failed)"; return 1 ;;
    esac
    if awk -v w="$waited" -v l="$wait_limit" 'BEGIN { exit !(w >= l) }'; then
      say "gave up after ${wait_limit}s waiting for the VM update (provisioningState ${s:-unknown})"
      return 1
    fi
    sleep "$poll"
    waited=$(awk -v w="$waited" -v p="$poll" 'BEGIN { print w + p }')
  done
}

vm_power() { # VM_URL deallocate|start
  local target=running
  [ "$2" = deallocate ] && target=deallocated
  azx rest --method post --url "$1/$2?api-version=$VM_API" -o none || return 1
  wait_power "$1" "$target"
}

# Worker data disks are changed read-modify-write (PATCH replaces the whole list): one change at a
# time per worker from this machine (flock), and ARM's own 409 for concurrent updates is retried.
with_worker_lock() {
  if command -v flock >/dev/null 2>&1; then
    local lock="${TMPDIR:-/tmp}/bootmedic-azure-worker-${sub}-${worker_rg}-${worker}.lock"
    (
      flock -w "$wait_limit" 9 || { say "could not lock $lock"; exit 1; }
      "$@"
    ) 9>>"$lock"
  else
    "$@"
  fi
}

# The disk ID at LUN N of the worker, or empty.
worker_disk_at() { arm_get "$worker_url" "properties.storageProfile.dataDisks[?lun==\`$1\`].managedDisk.id | [0]"; }

worker_attach() { # DISK_ID
  local disks
  disks=$(azx rest --method get --url "$worker_url?api-version=$VM_API" \
    --query "properties.storageProfile.dataDisks[].{lun: lun, name: name, createOption: 'Attach', caching: caching, managedDisk: {id: managedDisk.id}}" -o json | tr -d '\n') || return 1
  local new="{\"lun\": $lun, \"createOption\": \"Attach\", \"caching\": \"None\", \"managedDisk\": {\"id\": \"$1\"}}"
  if [[ "$disks" =~ ^\[[[:space:]]*\]$ ]] || [ -z "$disks" ]; then disks="[$new]"; else disks="${disks%]}, $new]"; fi
  arm_send patch "$worker_url" "{\"properties\": {\"storageProfile\": {\"dataDisks\": $disks}}}" || return 1
  wait_provisioned "$worker_url" "properties.storageProfile.dataDisks[?lun==\`$lun\`].managedDisk.id | [0]" "$1"
}

worker_detach() { # LUN
  local disks
  disks=$(azx rest --method get --url "$worker_url?api-version=$VM_API" \
    --query "properties.storageProfile.dataDisks[?lun!=\`$1\`].{lun: lun, name: name, createOption: 'Attach', caching: caching, managedDisk: {id: managedDisk.id}}" -o json | tr -d '\n') || return 1
  arm_send patch "$worker_url" "{\"properties\": {\"storageProfile\": {\"dataDisks\": ${disks:-[]}}}}" || return 1
  wait_provisioned "$worker_url" "properties.storageProfile.dataDisks[?lun==\`$1\`].managedDisk.id | [0]" ""
}

# ---- targets ------------------------------------------------------------------------------

# Prints "resource_group<TAB>vm_name" for every target VM.
list_targets() {
  if [ -n "$csv" ]; then
    csv_targets "$csv" 'resource|group' | while IFS=$'\037' read -r g n; do
      [ -n "$g" ] || g=$rg
      [ -n "$g" ] || die "CSV line for VM '$n' has no resource group (and no --resource-group given)" 2
      printf '%s\t%s\n' "$g" "$n"
    done
  fi
  local q=(resource list --resource-type Microsoft.Compute/virtualMachines -o tsv)
  [ -n "$rg" ] && q+=(--resource-group "$rg")
  if [ -n "$tag" ]; then
    # 'az resource list --tag' refuses --resource-type and --resource-group: filter the tag here
    local k=${tag%%=*} v=${tag#*=}
    [[ "$tag" == *=* ]] || usage_error "--tag needs KEY=VALUE"
    [[ "$k$v" != *[\"\'\`]* ]] || usage_error "--tag KEY=VALUE must not contain quotes"
    azx "${q[@]}" --query "[?tags.\"$k\" == '$v'].id" | ids_to_targets || die "could not list VMs tagged $tag (az resource list failed)"
  elif [ -n "$rg" ] && [ -n "$vm_name" ]; then
    printf '%s\t%s\n' "$rg" "$vm_name"
  elif [ -n "$rg" ] && [ -z "$csv" ]; then
    azx "${q[@]}" --query "[].id" | ids_to_targets || die "could not list the VMs of resource group $rg (az resource list failed)"
  fi
}

ids_to_targets() { sed -n 's#^/subscriptions/[^/]*/resource[Gg]roups/\([^/]*\)/providers/Microsoft.Compute/virtualMachines/\([^/]*\)$#\1\t\2#Ip'; }

# ---- facts (read-only calls) --------------------------------------------------------------

worker_location="" worker_zone="" worker_url=""
read_worker() {
  worker_url=$(vm_url "$worker_rg" "$worker")
  local facts f
  facts=$(arm_get "$worker_url" "[location, zones[0] || '']") ||
    die "cannot read the worker VM $worker_rg/$worker; create it (a Linux VM with bootmedic in /opt/bootmedic) in the same region as the VMs"
  mapfile -t f <<<"$facts"
  worker_location=${f[0]:-} worker_zone=${f[1]:-}
}

# Sets the facts of one VM and its OS disk; returns 1 if they cannot be read.
read_vm() { # RG VM
  local facts f
  facts=$(arm_get "$(vm_url "$1" "$2")" "[properties.storageProfile.osDisk.managedDisk.id || '', properties.storageProfile.osDisk.name || '', location, zones[0] || '', properties.storageProfile.osDisk.osType || '', properties.storageProfile.osDisk.vhd.uri || '', properties.storageProfile.osDisk.diffDiskSettings.option || '', properties.storageProfile.osDisk.encryptionSettings && 'dual' || '', properties.securityProfile.securityType || '', properties.virtualMachineScaleSet.id || '', tags.bootmedicOriginalOsDisk || '']") || return 1
  mapfile -t f <<<"$facts"
  disk_id=${f[0]:-} disk_name=${f[1]:-} location=${f[2]:-} zone=${f[3]:-} os_type=${f[4]:-} vhd_uri=${f[5]:-}
  ephemeral=${f[6]:-} dual_pass=${f[7]:-} security_type=${f[8]:-} vmss=${f[9]:-} original_tag=${f[10]:-}
  sku="" hyperv_gen="" bek_url="" kek_url="" size_bytes="" disk_security="" des_id="" disk_original_tag=""
  [ -n "$disk_id" ] || return 0
  facts=$(azx disk show --ids "$disk_id" \
    --query "[sku.name, hyperVGeneration || '', encryptionSettingsCollection.enabled && encryptionSettingsCollection.encryptionSettings[0].diskEncryptionKey.secretUrl || '', encryptionSettingsCollection.encryptionSettings[0].keyEncryptionKey.keyUrl || '', to_string(diskSizeBytes), securityProfile.securityType || '', encryption.diskEncryptionSetId || '', tags.bootmedicOriginalOsDisk || '']" -o tsv) || return 1
  mapfile -t f <<<"$facts"
  sku=${f[0]:-} hyperv_gen=${f[1]:-} bek_url=${f[2]:-} kek_url=${f[3]:-} size_bytes=${f[4]:-}
  disk_security=${f[5]:-} des_id=${f[6]:-} disk_original_tag=${f[7]:-}
}

# Why this VM cannot be repaired by this script, checked before anything changes; empty if it can.
refusal() {
  if [ -n "$ephemeral" ]; then
    echo "it has an ephemeral OS disk ($ephemeral): there is no persistent disk to copy or swap. Reimage or redeploy it instead."
  elif [ -n "$vhd_uri" ] || [ -z "$disk_id" ]; then
    echo "its OS disk is unmanaged (a VHD in a storage account): this script copies and swaps managed disks only. Convert it (az vm convert) or repair it by hand."
  elif [ -n "$vmss" ]; then
    echo "it belongs to the scale set ${vmss##*/}: swapping the OS disk of a scale-set member is not supported. Reimage the instance or fix the scale set's image."
  elif [[ "$security_type" == ConfidentialVM* ]] || [[ "$disk_security" == ConfidentialVM* ]]; then
    echo "it is a Confidential VM (${security_type:-$disk_security}): its OS disk is bound to the VM's vTPM/disk encryption and cannot be repaired on another VM."
  elif [ -n "$dual_pass" ]; then
    echo "it uses dual-pass Azure Disk Encryption (storageProfile.osDisk.encryptionSettings): unsupported here, as in 'az vm repair'. Use Microsoft's offline steps for dual-pass ADE."
  elif [ -n "$kek_url" ]; then
    echo "Azure Disk Encryption with a key-encryption key (KEK): the BEK in Key Vault is wrapped and this script does not unwrap it. Unwrap it as docs/mass-remediation.md says and run worker-fix.sh by hand with --bek-file."
  elif [ -n "$bek_url" ] && [ "$ade" = 0 ]; then
    echo "its OS disk uses Azure Disk Encryption. Run again with --ade after reading 'Azure Disk Encryption' in docs/mass-remediation.md."
  fi
}

# ---- one VM -------------------------------------------------------------------------------

step="" snap_id="" new_id="" fix_name="" attached=0 swapped=0 cur_g="" cur_n="" original_id="" disk_state_note=""

print_plan() { # RG VM SNAP FIX
  echo "PLAN $1/$2 (OS disk $disk_name, $sku${zone:+, zone $zone}${bek_url:+, Azure Disk Encryption})"
  echo "  1. deallocate $1/$2"
  echo "  2. incremental snapshot $disk_name -> $3 (kept for rollback; waited for until complete)"
  echo "  3. disk $4 from that snapshot ($sku$(copy_zone_note))"
  [ -n "$bek_url" ] && echo "  3b. ADE: encryption settings of the copy disabled while it is a data disk, enabled again before the swap"
  echo "  4. attach $4 to worker $worker_rg/$worker at LUN $lun"
  [ -n "$bek_url" ] && echo "  4b. BEK from Key Vault (${bek_url%%/secrets/*}) to a mode-600 file on the worker, deleted after"
  echo "  5. bootmedic fix --device (LUN $lun, $size_bytes bytes) on the worker via $via${pass[*]:+ with ${pass[*]}}"
  echo "  6. detach $4; make it the OS disk of $1/$2 (tag bootmedicOriginalOsDisk=$original_id); start"
}

copy_zone_note() {
  if [[ "$sku" == *_ZRS ]]; then printf ', zone-redundant: no zone'; elif [ -n "$zone" ]; then printf ', zone %s' "$zone"; fi
}

run_bootmedic_on_worker() { # VM_NAME -> sets worker_rc
  local args=(--azure-lun "$lun" --expect-size "$size_bytes") out
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
    printf '%s\n' "$out" | sed 's/^/    worker| /'
    worker_rc=$(worker_exit_code "$out")
  else
    [ -n "$bek_url" ] && args+=(--bek-secret-url "$bek_url")
    step=bootmedic
    run_managed_command "$(worker_command "$(worker_payload "${args[@]}")")"
  fi
}

# A managed run command (one per LUN: bootmedic-lunN) with asyncExecution, polled until a terminal
# executionState; the result is its exitCode, cross-checked with the BOOTMEDIC_EXIT line.
run_managed_command() { # SCRIPT
  local rc_url="$worker_url/runCommands/bootmedic-lun$lun" body facts f waited=0 state exit_code out script=$1
  script=${script//\\/\\\\}
  script=${script//\"/\\\"}
  body="{\"location\": \"$worker_location\", \"properties\": {\"source\": {\"script\": \"$script\"}, \"asyncExecution\": true, \"timeoutInSeconds\": $run_timeout, \"treatFailureAsDeploymentFailure\": false}}"
  arm_send put "$rc_url" "$body" || return 1
  local deadline=$((run_timeout + 600))
  while :; do
    facts=$(arm_get "$rc_url" "[properties.instanceView.executionState || 'Pending', to_string(properties.instanceView.exitCode), properties.instanceView.output || '']" "\$expand=instanceView") || return 1
    mapfile -t f <<<"$facts"
    state=${f[0]:-Pending} exit_code=${f[1]:-}
    case "$state" in
      Succeeded | Failed | TimedOut | Canceled) break ;;
    esac
    if awk -v w="$waited" -v l="$deadline" 'BEGIN { exit !(w >= l) }'; then
      say "the run command is still $state after ${deadline}s; it is left running (the copy stays attached: never detached while it may be written)"
      disk_state_note="run command bootmedic-lun$lun still $state on $worker"
      return 1
    fi
    sleep "$poll"
    waited=$(awk -v w="$waited" -v p="$poll" 'BEGIN { print w + p }')
  done
  out=$(printf '%s\n' "${f[@]:2}")
  printf '%s\n' "$out" | sed 's/^/    worker| /'
  worker_rc=$(worker_exit_code "$out")
  azx rest --method delete --url "$rc_url?api-version=$VM_API" -o none || warn "could not delete the run command $rc_url (harmless; delete it later)"
  if [ "$state" != Succeeded ] && [ "$state" != Failed ]; then
    say "the run command ended $state"
    worker_rc=""
    return 0
  fi
  if [ -n "$worker_rc" ] && [ "$exit_code" != "$worker_rc" ] && [ "$exit_code" != null ]; then
    say "the run command's exit code ($exit_code) and bootmedic's (BOOTMEDIC_EXIT=$worker_rc) differ; taking $exit_code"
    worker_rc=$exit_code
  fi
  [ -n "$worker_rc" ] || { [ "$exit_code" != null ] && worker_rc=$exit_code; }
  return 0
}

ade_settings() { # DISK_ID true|false
  azx disk update --ids "$1" --set "encryptionSettingsCollection.enabled=$2" -o none
}

# The whole sequence, each step skipped if the cloud shows it done already (so 'resume' reuses it);
# returns non-zero at the first failed step ($step says which).
remediate_steps() { # RG VM STAMP
  local g=$1 n=$2 url short="${disk_name:0:50}"
  url=$(vm_url "$g" "$n")
  local snap="$short-bm-$3-snap" fix="$short-bm-$3-fixed"
  local zone_args=() gen_args=() des_args=() tags=("bootmedic-vm=$n" "bootmedic-source-disk=$disk_name" "bootmedicOriginalOsDisk=$original_id")
  if [ -n "$zone" ] && [[ "$sku" != *_ZRS ]]; then zone_args=(--zone "$zone"); fi
  [ -n "$hyperv_gen" ] && gen_args=(--hyper-v-generation "$hyperv_gen")
  [ -n "$des_id" ] && des_args=(--disk-encryption-set "$des_id")
  [ -n "$fix_name" ] || fix_name=$fix

  if [ -n "$new_id" ] && [ "$(arm_get "$url" "properties.storageProfile.osDisk.managedDisk.id")" = "$new_id" ]; then
    say "$g/$n: the repaired copy $fix_name is the OS disk already; finishing"
    swapped=1 step=tag
    ensure_original_tag "$url" || return 1
    step=start
    vm_power "$url" start || return 1
    return 0
  fi
  step=deallocate; say "$g/$n: deallocating"
  vm_power "$url" deallocate || return 1
  record_line "$g" "$n" in-progress
  if [ -z "$snap_id" ]; then
    step=snapshot; say "$g/$n: incremental snapshot $snap of $disk_name"
    snap_id=$(azx snapshot create --resource-group "$g" --name "$snap" --source "$disk_id" --location "$location" --incremental true \
      --tags "${tags[@]}" --query id -o tsv) || return 1
    record_line "$g" "$n" in-progress
  fi
  step=snapshot-complete
  wait_snapshot "$snap_id" || return 1
  if [ -z "$new_id" ] || ! azx disk show --ids "$new_id" --query id -o tsv >/dev/null 2>&1; then
    step=create-disk; say "$g/$n: disk $fix_name from the snapshot"
    new_id=$(azx disk create --resource-group "$g" --name "$fix_name" --source "$snap_id" --location "$location" --sku "$sku" \
      "${zone_args[@]}" "${gen_args[@]}" "${des_args[@]}" --tags "${tags[@]}" --query id -o tsv) || return 1
    record_line "$g" "$n" in-progress
  fi
  local at
  step=attach
  at=$(worker_disk_at "$lun") || return 1
  if [ "$at" != "$new_id" ]; then
    if [ -n "$at" ]; then
      say "LUN $lun of $worker holds ${at##*/} already (another run, or left over): use another --lun, or 'cleanup' that run"
      return 1
    fi
    if [ -n "$bek_url" ]; then
      step="ade-disable"; say "$g/$n: ADE: disabling the copy's encryption settings so it can be a data disk"
      ade_settings "$new_id" false || return 1
    fi
    step=attach; say "$g/$n: attaching $fix_name to $worker at LUN $lun"
    with_worker_lock worker_attach "$new_id" || return 1
  fi
  attached=1
  record_line "$g" "$n" in-progress
  worker_rc=""
  run_bootmedic_on_worker "$n" || return 1
  step=bootmedic
  if [ "$worker_rc" != 0 ]; then
    say "$g/$n: bootmedic on the worker: exit ${worker_rc:-none}: $(explain_bootmedic_exit "$worker_rc")"
    return 1
  fi
  step=detach; say "$g/$n: bootmedic fixed the copy; detaching it from the worker"
  with_worker_lock worker_detach "$lun" || return 1
  attached=0
  if [ -n "$bek_url" ]; then
    step="ade-enable"; say "$g/$n: ADE: enabling the copy's encryption settings again"
    ade_settings "$new_id" true || return 1
  fi
  record_line "$g" "$n" in-progress
  step=swap
  if [ "$(arm_get "$url" "properties.storageProfile.osDisk.managedDisk.id")" != "$new_id" ]; then
    say "$g/$n: swapping $fix_name in as OS disk (original kept: ${original_id##*/})"
    arm_send patch "$url" "{\"properties\": {\"storageProfile\": {\"osDisk\": {\"name\": \"$fix_name\", \"managedDisk\": {\"id\": \"$new_id\"}}}}}" || return 1
    wait_provisioned "$url" "properties.storageProfile.osDisk.managedDisk.id" "$new_id" || return 1
  fi
  swapped=1
  step=tag
  ensure_original_tag "$url" || return 1
  record_line "$g" "$n" in-progress
  step=start; say "$g/$n: starting"
  vm_power "$url" start || return 1
}

# Sets tags.bootmedicOriginalOsDisk on the VM unless it is there already (never replaced).
ensure_original_tag() { # VM_URL
  local have
  have=$(arm_get "$1" "tags.bootmedicOriginalOsDisk || ''") || return 1
  if [ -z "$have" ]; then
    azx tag update --resource-id "$1" --operation Merge --tags "bootmedicOriginalOsDisk=$original_id" -o none
  elif [ "$have" != "$original_id" ]; then
    warn "the VM's tag bootmedicOriginalOsDisk is $have (kept; this run's record says $original_id)"
  fi
}

wait_snapshot() { # SNAP_ID
  local waited=0 facts f
  while :; do
    facts=$(azx snapshot show --ids "$1" --query "[provisioningState, to_string(completionPercent || \`100\`)]" -o tsv) || return 1
    mapfile -t f <<<"$facts"
    case "${f[0]:-}" in
      Failed) say "the snapshot failed (provisioningState Failed)"; return 1 ;;
      Succeeded) awk -v p="${f[1]:-100}" 'BEGIN { exit !(p >= 100) }' && return 0 ;;
    esac
    if awk -v w="$waited" -v l="$wait_limit" 'BEGIN { exit !(w >= l) }'; then
      say "the snapshot is not complete after ${wait_limit}s (${f[0]:-?}, ${f[1]:-?}%)"
      return 1
    fi
    sleep "$poll"
    waited=$(awk -v w="$waited" -v p="$poll" 'BEGIN { print w + p }')
  done
}

explain_failure() { # RG VM
  local g=$1 n=$2
  echo "FAILED $g/$n at step '$step'."
  if [ "$attached" = 1 ] && [ -z "$disk_state_note" ]; then
    say "$g/$n: detaching the copy from the worker so the worker can go on"
    if with_worker_lock worker_detach "$lun"; then
      attached=0
    else
      echo "  The copy $fix_name is STILL ATTACHED to $worker at LUN $lun: $self cleanup --resource-group $g --vm $n"
    fi
  elif [ -n "$disk_state_note" ]; then
    echo "  The copy $fix_name stays attached to $worker ($disk_state_note). When it has ended: $self resume --resource-group $g --vm $n"
  fi
  if [ "$swapped" = 0 ]; then
    echo "  The original OS disk $disk_name is untouched and still the VM's OS disk."
    if [ "$step" != deallocate ]; then
      echo "  The VM is deallocated. To bring it back exactly as it was: $self cleanup --resource-group $g --vm $n"
    fi
    [ -n "$new_id" ] && echo "  Unused copy (delete when done): az disk delete --ids $new_id --yes"
    [ -n "$snap_id" ] && echo "  Snapshot kept: $snap_id"
    echo "  Next: fix the cause above, then: $self resume --resource-group $g --vm $n"
  else
    echo "  The repaired disk $fix_name is the OS disk now; the original ${original_id##*/} is unchanged."
    echo "  Finish: $self resume --resource-group $g --vm $n   or roll back: $self rollback --resource-group $g --vm $n"
  fi
}

record_header='time	resource_group	vm	result	step	original_disk	snapshot	repaired_disk	worker_group	worker	lun	source_disk'
record_line() { # RG VM RESULT
  [ "$dry_run" = 1 ] && return 0
  [ -f "$record" ] || printf '%s\n' "$record_header" >>"$record"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$1" "$2" "$3" "$step" "$original_id" "$snap_id" "$new_id" \
    "$worker_rg" "$worker" "$lun" "$disk_id" >>"$record"
}

on_signal() { # SIGNAL
  trap - INT TERM
  echo
  echo "INTERRUPTED ($1) during step '$step'${cur_n:+ of $cur_g/$cur_n}."
  if [ -n "$cur_n" ]; then
    record_line "$cur_g" "$cur_n" interrupted
    echo "  $record has its disks and snapshot. An Azure operation started before the signal may still finish."
    echo "  Finish it: $self resume --resource-group $cur_g --vm $cur_n --record $record"
    echo "  Or undo it (VM back on its original disk): $self cleanup --resource-group $cur_g --vm $cur_n --record $record"
  fi
  exit 130
}

remediate_vm() { # RG VM STAMP -> sets RESULT
  local g=$1 n=$2
  step=read snap_id="" new_id="" attached=0 swapped=0 fix_name="" disk_id="" disk_state_note=""
  cur_g=$g cur_n=$n
  if [ "${g,,}/${n,,}" = "${worker_rg,,}/${worker,,}" ]; then
    say "$g/$n is the worker: skipped"
    RESULT=skipped; cur_n=""; return 0
  fi
  if ! read_vm "$g" "$n"; then
    echo "FAILED $g/$n: cannot read the VM or its OS disk; nothing was changed." >&2
    RESULT=failed; cur_n=""; return 0
  fi
  if [ "$os_type" != Windows ]; then
    say "$g/$n: OS disk is ${os_type:-unknown}, not Windows: skipped"
    RESULT=skipped; cur_n=""; return 0
  fi
  local why
  why=$(refusal)
  if [ -n "$why" ]; then
    echo "FAILED $g/$n: $why Nothing was changed." >&2
    RESULT=failed; cur_n=""; return 0
  fi
  original_id=${original_tag:-${disk_original_tag:-$disk_id}}
  if [ "$original_id" != "$disk_id" ] && [ "$force" = 0 ]; then
    echo "DONE $g/$n: already repaired by bootmedic (running on ${disk_name}; original ${original_id##*/} kept). Nothing was changed; --force repairs it again."
    RESULT="done"; cur_n=""; return 0
  fi
  local copy_zone=$zone
  [[ "$sku" == *_ZRS ]] && copy_zone=""
  if [ "$location" != "$worker_location" ] || { [ -n "$copy_zone" ] && [ "$copy_zone" != "$worker_zone" ]; }; then
    echo "FAILED $g/$n: the VM is in $location${zone:+ zone $zone}, the worker in $worker_location${worker_zone:+ zone $worker_zone}; a disk only attaches in its own region/zone. Nothing was changed. Use a worker there." >&2
    RESULT=failed; cur_n=""; return 0
  fi
  local busy
  busy=$(worker_disk_at "$lun") || { echo "FAILED $g/$n: cannot read the worker's data disks; nothing was changed." >&2; RESULT=failed; cur_n=""; return 0; }
  if [ -n "$busy" ]; then
    echo "FAILED $g/$n: LUN $lun of the worker holds ${busy##*/} already (another run, or one left over: see its record and 'cleanup'). Nothing was changed. Use another --lun." >&2
    RESULT=failed; cur_n=""; return 0
  fi
  if [ "$dry_run" = 1 ]; then
    print_plan "$g" "$n" "${disk_name:0:50}-bm-$3-snap" "${disk_name:0:50}-bm-$3-fixed"
    RESULT=planned; cur_n=""; return 0
  fi
  finish_vm "$g" "$n" "$3"
}

finish_vm() { # RG VM STAMP -> sets RESULT, records
  local g=$1 n=$2
  if remediate_steps "$g" "$n" "$3"; then
    echo "FIXED $g/$n: running on the repaired disk ${fix_name}; original ${original_id##*/} and snapshot kept."
    echo "  Roll back if needed: $self rollback --resource-group $g --vm $n"
    RESULT=fixed
  else
    explain_failure "$g" "$n"
    RESULT=failed
  fi
  record_line "$g" "$n" "$RESULT"
  cur_n=""
}

login_check() {
  need_tool az "Install the Azure CLI and 'az login'."
  sub=$(az account show --query id -o tsv) || die "not logged in to Azure: run 'az login' (and 'az account set -s SUBSCRIPTION')" 3
}

cmd_fix() {
  if [ -z "$worker_rg" ] || [ -z "$worker" ]; then usage_error "name the Linux worker VM: --worker-group RG --worker NAME"; fi
  [ -n "$rg$tag$csv" ] || usage_error "name the VMs: --resource-group RG [--vm NAME], --tag KEY=VALUE or --csv FILE"
  case "$via" in
    run-command) ;;
    ssh) [ -n "$ssh_host" ] || usage_error "--via ssh needs --ssh user@worker-address"; need_tool ssh "Install an OpenSSH client." ;;
    *) usage_error "--via must be run-command or ssh" ;;
  esac
  if ! [[ "$lun" =~ ^[0-9]+$ ]] || [ "$lun" -gt 63 ]; then usage_error "--lun must be a number from 2 to 63"; fi
  [ "$lun" -ge 2 ] || usage_error "--lun $lun is refused: on the worker, LUN 0 and 1 can be confused with its own disks by the device discovery. Use 2..63 (default 10)."
  login_check
  read_worker

  local targets stamp g n results=() failed=0
  targets=$(list_targets)
  [ -n "$targets" ] || { say "no VMs matched; nothing to do"; return 0; }
  stamp=$(run_stamp)
  [ "$dry_run" = 1 ] && echo "DRY RUN: nothing will be changed."
  trap 'on_signal INT' INT
  trap 'on_signal TERM' TERM
  while IFS=$'\t' read -r g n; do
    [ -n "$n" ] || continue
    remediate_vm "$g" "$n" "$stamp" </dev/null
    results+=("$RESULT $g/$n")
    [ "$RESULT" = failed ] && failed=$((failed + 1))
  done <<<"$targets"
  trap - INT TERM
  print_summary "$dry_run" "$failed" "VM(s)" "$record has every disk and snapshot ID" "${results[@]}"
}

# The last record line of RG/VM, split into rec_* variables; fails if there is none.
read_record() { # RG VM
  [ -r "$record" ] || die "no record file $record (use --record FILE: the file the run wrote)" 2
  local line
  line=$(awk -F'\t' -v g="$1" -v n="$2" '$2 == g && $3 == n { l = $0 } END { print l }' "$record")
  [ -n "$line" ] || die "$record has no line for $1/$2: nothing to resume or clean up" 2
  IFS=$'\t' read -r _ _ _ rec_result rec_step rec_original rec_snap rec_new rec_worker_rg rec_worker rec_lun rec_source <<<"$line"
}

cmd_resume() {
  if [ -z "$rg" ] || [ -z "$vm_name" ]; then usage_error "resume needs --resource-group RG --vm NAME"; fi
  login_check
  read_record "$rg" "$vm_name"
  case "$rec_result" in
    fixed) echo "DONE $rg/$vm_name: the record says it was fixed; nothing to resume."; return 0 ;;
    cleaned) echo "$rg/$vm_name was cleaned up after its last run; run 'fix' for it again instead."; return 0 ;;
  esac
  worker_rg=$rec_worker_rg worker=$rec_worker lun=$rec_lun
  read_worker
  read_vm "$rg" "$vm_name" || die "cannot read VM $rg/$vm_name"
  # the recorded run's disks, not what the VM shows now (after a swap the OS disk is the copy)
  original_id=$rec_original snap_id=$rec_snap new_id=$rec_new disk_id=${rec_source:-$rec_original}
  disk_name=${disk_id##*/}
  [ -n "$new_id" ] && fix_name=${new_id##*/}
  read_source_disk_facts || die "cannot read the source disk $disk_id of the recorded run"
  step=resume attached=0 swapped=0 cur_g=$rg cur_n=$vm_name disk_state_note=""
  say "$rg/$vm_name: resuming the run recorded at step '$rec_step' ($rec_result)"
  trap 'on_signal INT' INT
  trap 'on_signal TERM' TERM
  finish_vm "$rg" "$vm_name" "$(run_stamp)"
  trap - INT TERM
  [ "$RESULT" = fixed ]
}

read_source_disk_facts() {
  local facts f
  facts=$(azx disk show --ids "$disk_id" --query "[sku.name, hyperVGeneration || '', encryptionSettingsCollection.encryptionSettings[0].diskEncryptionKey.secretUrl || '', to_string(diskSizeBytes), encryption.diskEncryptionSetId || '', zones[0] || '']" -o tsv) || return 1
  mapfile -t f <<<"$facts"
  sku=${f[0]:-} hyperv_gen=${f[1]:-} bek_url=${f[2]:-} size_bytes=${f[3]:-} des_id=${f[4]:-} zone=${f[5]:-$zone}
}

cmd_cleanup() {
  if [ -z "$rg" ] || [ -z "$vm_name" ]; then usage_error "cleanup needs --resource-group RG --vm NAME"; fi
  login_check
  read_record "$rg" "$vm_name"
  worker_rg=$rec_worker_rg worker=$rec_worker lun=$rec_lun original_id=$rec_original snap_id=$rec_snap new_id=$rec_new disk_id=$rec_source
  read_worker
  local url current changed=0
  url=$(vm_url "$rg" "$vm_name")
  current=$(arm_get "$url" "properties.storageProfile.osDisk.managedDisk.id") || die "cannot read VM $rg/$vm_name"
  if [ -n "$new_id" ] && [ "$current" = "$new_id" ]; then
    echo "$rg/$vm_name runs on the repaired copy already (the swap was done): nothing to clean up. Finish with '$self resume', or '$self rollback' to go back."
    return 0
  fi
  step=cleanup cur_g="" cur_n=""
  if [ -n "$new_id" ] && [ "$(worker_disk_at "$lun")" = "$new_id" ]; then
    local rc_state
    rc_state=$(arm_get "$worker_url/runCommands/bootmedic-lun$lun" "properties.instanceView.executionState || ''" "\$expand=instanceView" 2>/dev/null) || rc_state=""
    case "$rc_state" in
      Pending | Running) die "the run command bootmedic-lun$lun on $worker is still $rc_state and may be writing ${new_id##*/}: nothing was changed. Run cleanup again when it has ended (or 'resume' to finish the repair)." ;;
    esac
    say "$rg/$vm_name: detaching the copy ${new_id##*/} from $worker (LUN $lun)"
    with_worker_lock worker_detach "$lun" || die "could not detach ${new_id##*/} from $worker; run cleanup again"
    changed=1
  fi
  if [ "$(power_state "$url")" != PowerState/running ]; then
    say "$rg/$vm_name: starting it on its original OS disk ${current##*/}"
    vm_power "$url" start || die "could not start $rg/$vm_name; run cleanup again"
    changed=1
  fi
  record_line "$rg" "$vm_name" cleaned
  [ "$changed" = 1 ] || echo "$rg/$vm_name: nothing left to clean up."
  echo "CLEANED $rg/$vm_name: running on its original OS disk ${current##*/}; nothing of the unfinished run is attached."
  [ -n "$new_id" ] && echo "  Unused copy (delete when done): az disk delete --ids $new_id --yes"
  [ -n "$snap_id" ] && echo "  Snapshot kept: $snap_id"
  return 0
}

cmd_rollback() {
  if [ -z "$rg" ] || [ -z "$vm_name" ]; then usage_error "rollback needs --resource-group RG --vm NAME"; fi
  login_check
  local url original current
  url=$(vm_url "$rg" "$vm_name")
  original=$(arm_get "$url" "tags.bootmedicOriginalOsDisk || ''") || die "cannot read VM $rg/$vm_name"
  current=$(arm_get "$url" "properties.storageProfile.osDisk.managedDisk.id") || die "cannot read VM $rg/$vm_name"
  [ -n "$original" ] || die "VM $rg/$vm_name has no tag bootmedicOriginalOsDisk: it was not swapped by this script (or was rolled back already). Nothing changed."
  echo "ROLLBACK $rg/$vm_name: OS disk $current -> original $original"
  if [ "$dry_run" = 1 ]; then
    echo "DRY RUN: would deallocate, make $original the OS disk, remove the tag, start. Nothing was changed."
    return 0
  fi
  vm_power "$url" deallocate || die "deallocate failed; nothing else was changed"
  if [ "$current" != "$original" ]; then
    if ! arm_send patch "$url" "{\"properties\": {\"storageProfile\": {\"osDisk\": {\"name\": \"${original##*/}\", \"managedDisk\": {\"id\": \"$original\"}}}}}" ||
      ! wait_provisioned "$url"; then
      die "swap back failed; the VM is deallocated on the repaired disk $current. Retry: $self rollback --resource-group $rg --vm $vm_name"
    fi
  fi
  azx tag update --resource-id "$url" --operation Delete --tags "bootmedicOriginalOsDisk=$original" -o none ||
    die "the original disk is back but the tag could not be removed: az tag update --resource-id $url --operation Delete --tags bootmedicOriginalOsDisk=$original"
  vm_power "$url" start || die "the original disk is back but the VM did not start; retry: $self rollback --resource-group $rg --vm $vm_name (the tag is gone: start it with the portal or 'az rest --method post --url $url/start?api-version=$VM_API')"
  echo "ROLLED BACK $rg/$vm_name: running on the original OS disk again. The repaired disk $current is unused now (delete it when done)."
}

parse_args "$@"
case "$command_name" in
  fix) cmd_fix ;;
  resume) cmd_resume ;;
  cleanup) cmd_cleanup ;;
  rollback) cmd_rollback ;;
  help) help ;;
  *) usage_error "unknown command '$command_name' (fix, resume, cleanup or rollback)" ;;
esac
