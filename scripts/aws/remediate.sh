#!/usr/bin/env bash
# Repairs EC2 Windows instances whose root EBS volume boot-loops on a faulty driver/content file,
# with one Linux worker instance in the same Availability Zone doing the repair:
#
#   per instance: stop -> snapshot the root volume (kept for rollback) -> detach it
#                 -> attach it to the worker -> bootmedic fix --device there -> detach
#                 -> attach it back as root (same device name) -> start
#
# If anything fails before the volume is back, the script detaches it from the worker and puts
# THE SAME VOLUME back on the instance as root, leaves the instance stopped and says what to do.
# No other volume is ever attached as root except by 'rollback' (a new volume from the snapshot).
# Encrypted EBS needs nothing extra on the worker: EC2 decrypts with the volume's KMS key, but the
# identity running this script must be allowed kms:CreateGrant/Decrypt/DescribeKey on that key
# (docs/mass-remediation.md lists every permission).
#
# KNOWN DEFECT (see docs/mass-remediation.md, AWS): with --via ssm the SSM waiter can give up
# while bootmedic still writes, and the failure path then detaches the volume mid-write; snapshot
# first and prefer --via ssh until it is fixed.
#
# Usage:
#   remediate.sh fix --worker i-WORKER (targets) [options]
#   remediate.sh rollback --instance-id i-ID [--snapshot snap-ID] [--dry-run]
# Targets (one or more):
#   --instance-id ID      (repeatable)
#   --tag KEY=VALUE       every Windows instance with that tag
#   --csv FILE            one instance ID per line (first column; '#' comments; header skipped)
# Options:
#   --via ssm|ssh         how bootmedic is started on the worker (default ssm: AWS-RunShellScript)
#   --ssh HOST            for --via ssh: user@host of the worker (key-based login, sudo)
#   --device NAME         device name for the attach to the worker (default /dev/sdf)
#   --region R            passed to every aws call
#   --bootmedic PATH      launcher on the worker (default: bootmedic on PATH, else /opt/bootmedic/bootmedic)
#   --config F | --key-bundle F | --passphrase-file F | --outbox DIR
#                         passed to bootmedic; PATHS ON THE WORKER (BitLocker keys; --config sends
#                         the results to the collector)
#   --record FILE         append one line per instance (volume, snapshot, result); default ./bootmedic-aws-runs.tsv
#   --dry-run             list the instances and what would be done; no change anywhere
# Exit: 0 every instance fixed (or nothing to do), 1 some failed, 2 usage, 3 no AWS credentials.
set -euo pipefail
# shellcheck disable=SC2034
BM_TOOL=bootmedic-aws # read by the functions in scripts/lib/common.sh
# shellcheck disable=SC1091 # shellcheck checks scripts/lib/common.sh on its own
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
self="bash scripts/aws/remediate.sh"

command_name=fix
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then command_name=$1; shift; fi

ids=() tag="" csv="" worker="" via=ssm ssh_host="" worker_device=/dev/sdf region_args=()
bootmedic_bin="" record="./bootmedic-aws-runs.tsv" dry_run=0 rollback_snapshot=""
pass=()

help() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --instance-id) ids+=("${2:?}"); shift 2 ;;
      --tag) tag=${2:?}; shift 2 ;;
      --csv) csv=${2:?}; shift 2 ;;
      --worker) worker=${2:?}; shift 2 ;;
      --via) via=${2:?}; shift 2 ;;
      --ssh) ssh_host=${2:?}; shift 2 ;;
      --device) worker_device=${2:?}; shift 2 ;;
      --region) region_args=(--region "${2:?}"); shift 2 ;;
      --bootmedic) bootmedic_bin=${2:?}; shift 2 ;;
      --config | --key-bundle | --passphrase-file | --outbox) pass+=("$1" "${2:?}"); shift 2 ;;
      --record) record=${2:?}; shift 2 ;;
      --snapshot) rollback_snapshot=${2:?}; shift 2 ;;
      --dry-run) dry_run=1; shift ;;
      -h | --help) help; exit 0 ;;
      *) usage_error "unknown option: $1" ;;
    esac
  done
}

# Every aws call goes through here: the region, and no pager.
aws_() { AWS_PAGER="" aws "$@" "${region_args[@]}"; }

list_targets() {
  local id
  for id in "${ids[@]}"; do printf '%s\n' "$id"; done
  if [ -n "$csv" ]; then
    [ -r "$csv" ] || die "cannot read the CSV file $csv" 2
    awk -F',' '{ sub(/\r$/, ""); gsub(/[[:space:]"]/, "", $1) } $1 ~ /^i-[0-9a-f]+$/ { print $1 }' "$csv"
  fi
  if [ -n "$tag" ]; then
    aws_ ec2 describe-instances --filters "Name=tag:${tag%%=*},Values=${tag#*=}" "Name=platform,Values=windows" \
      --query "Reservations[].Instances[].InstanceId" --output text | tr '\t' '\n' ||
      die "could not list the instances tagged $tag (aws ec2 describe-instances failed)"
  fi
}

worker_az=""
read_worker() {
  local facts state
  facts=$(aws_ ec2 describe-instances --instance-ids "$worker" \
    --query "Reservations[0].Instances[0].[Placement.AvailabilityZone, State.Name]" --output text) ||
    die "cannot read the worker instance $worker; start a Linux worker with bootmedic in /opt/bootmedic in the instances' Availability Zone"
  read -r worker_az state <<<"$facts" || true
  [ "$state" = running ] || die "the worker $worker is '$state', not running: start it (aws ec2 start-instances --instance-ids $worker) and run this again"
}

# Sets root_dev az platform state vol encrypted kms_key for one instance.
read_instance() { # ID
  local facts
  facts=$(aws_ ec2 describe-instances --instance-ids "$1" \
    --query "Reservations[0].Instances[0].[RootDeviceName, Placement.AvailabilityZone, Platform, State.Name]" --output text) || return 1
  read -r root_dev az platform state <<<"$facts" || true
  [ -n "$root_dev" ] || return 1
  vol=$(aws_ ec2 describe-instances --instance-ids "$1" \
    --query "Reservations[0].Instances[0].BlockDeviceMappings[?DeviceName=='$root_dev'].Ebs.VolumeId" --output text) || return 1
  [[ "$vol" == vol-* ]] || return 1
  facts=$(aws_ ec2 describe-volumes --volume-ids "$vol" --query "Volumes[0].[Encrypted, KmsKeyId]" --output text) || return 1
  read -r encrypted kms_key <<<"$facts" || true
}

step="" snap="" detached=0 on_worker=0 worker_rc=""

print_plan() { # ID
  echo "PLAN $1 (root $vol at $root_dev, $az, $state$([ "$encrypted" = True ] && printf ', encrypted with KMS key %s' "$kms_key"))"
  echo "  1. stop $1; snapshot $vol (kept for rollback)"
  echo "  2. detach $vol; attach it to worker $worker as $worker_device"
  echo "  3. bootmedic fix --device on the worker via $via${pass[*]:+ with ${pass[*]}}"
  echo "  4. detach $vol from the worker; attach it back to $1 as $root_dev; start $1"
}

run_bootmedic_on_worker() { # ID
  local args=(--ebs-volume "$vol" --ebs-device "$worker_device") out cmd_id params
  [ -n "$bootmedic_bin" ] && args+=(--bootmedic "$bootmedic_bin")
  args+=("${pass[@]}")
  step=bootmedic
  if [ "$via" = ssh ]; then
    out=$(ssh -o BatchMode=yes "$ssh_host" "sudo bash -s --$(printf ' %q' "${args[@]}")" <"$BM_LIB_DIR/worker-fix.sh") || true
  else
    params="$private/ssm-$1.json"
    # base64 is JSON-safe as it is: no escaping needed
    printf '{"commands":["%s"],"executionTimeout":["3600"]}\n' "$(worker_command "$(worker_payload "${args[@]}")")" >"$params"
    cmd_id=$(aws_ ssm send-command --instance-ids "$worker" --document-name AWS-RunShellScript \
      --comment "bootmedic fix of $1" --parameters "file://$params" --query Command.CommandId --output text) || return 1
    # the waiter fails when the command fails; the output still says what bootmedic did
    aws_ ssm wait command-executed --command-id "$cmd_id" --instance-id "$worker" || true
    out=$(aws_ ssm get-command-invocation --command-id "$cmd_id" --instance-id "$worker" \
      --query StandardOutputContent --output text) || return 1
  fi
  printf '%s\n' "$out" | sed 's/^/    worker| /'
  worker_rc=$(worker_exit_code "$out")
}

remediate_steps() { # ID
  local id=$1
  step=stop; say "$id: stopping"
  aws_ ec2 stop-instances --instance-ids "$id" --output text >/dev/null || return 1
  aws_ ec2 wait instance-stopped --instance-ids "$id" || return 1
  step=snapshot; say "$id: snapshot of $vol"
  snap=$(aws_ ec2 create-snapshot --volume-id "$vol" --description "bootmedic: root volume of $id before repair" \
    --tag-specifications "ResourceType=snapshot,Tags=[{Key=bootmedic-instance,Value=$id},{Key=bootmedic-root-device,Value=$root_dev}]" \
    --query SnapshotId --output text) || return 1
  step=detach-root; say "$id: detaching $vol"
  aws_ ec2 detach-volume --volume-id "$vol" --instance-id "$id" --output text >/dev/null || return 1
  detached=1
  aws_ ec2 wait volume-available --volume-ids "$vol" || return 1
  step=attach-worker; say "$id: attaching $vol to $worker as $worker_device"
  aws_ ec2 attach-volume --volume-id "$vol" --instance-id "$worker" --device "$worker_device" --output text >/dev/null || return 1
  on_worker=1
  aws_ ec2 wait volume-in-use --volume-ids "$vol" || return 1
  worker_rc=""
  run_bootmedic_on_worker "$id" || return 1
  if [ "$worker_rc" != 0 ]; then
    say "$id: bootmedic on the worker: exit ${worker_rc:-none}: $(explain_bootmedic_exit "$worker_rc")"
    return 1
  fi
  step=detach-worker; say "$id: bootmedic fixed the volume; detaching it from the worker"
  aws_ ec2 detach-volume --volume-id "$vol" --instance-id "$worker" --output text >/dev/null || return 1
  aws_ ec2 wait volume-available --volume-ids "$vol" || return 1
  on_worker=0
  step=reattach-root; say "$id: attaching $vol back as $root_dev"
  aws_ ec2 attach-volume --volume-id "$vol" --instance-id "$id" --device "$root_dev" --output text >/dev/null || return 1
  aws_ ec2 wait volume-in-use --volume-ids "$vol" || return 1
  detached=0
  step=start; say "$id: starting"
  aws_ ec2 start-instances --instance-ids "$id" --output text >/dev/null || return 1
}

# Puts the original volume back where it was (never another one) and says what to do next.
explain_failure() { # ID
  local id=$1 failed_step=$step
  echo "FAILED $id at step '$failed_step'."
  if [ "$on_worker" = 1 ]; then
    say "$id: detaching $vol from the worker"
    if aws_ ec2 detach-volume --volume-id "$vol" --instance-id "$worker" --output text >/dev/null &&
       aws_ ec2 wait volume-available --volume-ids "$vol"; then
      on_worker=0
    fi
  fi
  if [ "$detached" = 1 ] && [ "$on_worker" = 0 ]; then
    say "$id: putting the same volume $vol back as $root_dev"
    if aws_ ec2 attach-volume --volume-id "$vol" --instance-id "$id" --device "$root_dev" --output text >/dev/null &&
       aws_ ec2 wait volume-in-use --volume-ids "$vol"; then
      detached=0
    fi
  fi
  if [ "$on_worker" = 1 ]; then
    echo "  $vol is STILL ATTACHED to the worker $worker. Detach it: aws ec2 detach-volume --volume-id $vol --instance-id $worker"
    echo "  then put it back: aws ec2 attach-volume --volume-id $vol --instance-id $id --device $root_dev"
  elif [ "$detached" = 1 ]; then
    echo "  $vol is detached; $id has NO root volume. Put it back: aws ec2 attach-volume --volume-id $vol --instance-id $id --device $root_dev"
  else
    echo "  $id has its own root volume $vol attached as $root_dev again; no other volume was attached."
  fi
  if [ "$failed_step" = bootmedic ] && [ "$worker_rc" = 1 ]; then
    echo "  bootmedic may have changed part of the volume (its journal on the volume allows 'bootmedic undo')."
  fi
  if [ "$failed_step" != start ]; then
    echo "  $id is stopped. To start it as it was: aws ec2 start-instances --instance-ids $id"
  fi
  if [ -n "$snap" ]; then
    echo "  Snapshot kept: $snap. To return to it: $self rollback --instance-id $id --snapshot $snap"
  fi
  echo "  Next: fix the cause above and run the same command again for this instance (--instance-id $id)."
}

record_line() { # ID RESULT
  [ "$dry_run" = 1 ] && return 0
  if [ ! -f "$record" ]; then
    printf 'time\tinstance\tresult\tstep\troot_volume\troot_device\tsnapshot\n' >>"$record"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$1" "$2" "$step" "$vol" "$root_dev" "$snap" >>"$record"
}

remediate_instance() { # ID -> sets RESULT
  local id=$1
  step=read snap="" detached=0 on_worker=0 vol="" root_dev="" worker_rc=""
  if ! read_instance "$id"; then
    echo "FAILED $id: cannot read the instance or its root EBS volume (aws ec2 describe-* failed or no EBS root); nothing was changed." >&2
    RESULT=failed; return 0
  fi
  if [ "$platform" != windows ]; then
    say "$id: platform is '$platform', not windows: skipped"
    RESULT=skipped; return 0
  fi
  if [ "$az" != "$worker_az" ]; then
    echo "FAILED $id: the instance is in $az, the worker in $worker_az; an EBS volume only attaches in its own Availability Zone. Nothing was changed. Use a worker in $az." >&2
    RESULT=failed; return 0
  fi
  if [ "$dry_run" = 1 ]; then
    print_plan "$id"
    RESULT=planned; return 0
  fi
  if remediate_steps "$id"; then
    echo "FIXED $id: started on its repaired root volume $vol; snapshot $snap kept."
    echo "  Roll back if needed: $self rollback --instance-id $id --snapshot $snap"
    RESULT=fixed
  else
    explain_failure "$id"
    RESULT=failed
  fi
  record_line "$id" "$RESULT"
}

private=""
cmd_fix() {
  [ -n "$worker" ] || usage_error "name the Linux worker instance: --worker i-..."
  [ "${#ids[@]}" -gt 0 ] || [ -n "$tag$csv" ] || usage_error "name the instances: --instance-id ID, --tag KEY=VALUE or --csv FILE"
  case "$via" in
    ssm) ;;
    ssh) [ -n "$ssh_host" ] || usage_error "--via ssh needs --ssh user@worker-address"; need_tool ssh "Install an OpenSSH client." ;;
    *) usage_error "--via must be ssm or ssh" ;;
  esac
  need_tool aws "Install the AWS CLI v2 and configure credentials."
  aws_ sts get-caller-identity --query Arn --output text >/dev/null ||
    die "no usable AWS credentials: run 'aws configure' / 'aws sso login' (or set AWS_PROFILE)" 3
  read_worker
  private=$(private_dir)
  trap 'rm -rf "$private"' EXIT

  local targets id results=() failed=0
  targets=$(list_targets | awk 'NF && !seen[$0]++')
  [ -n "$targets" ] || { say "no instances matched; nothing to do"; return 0; }
  [ "$dry_run" = 1 ] && echo "DRY RUN: nothing will be changed."
  while IFS= read -r id; do
    remediate_instance "$id" </dev/null
    results+=("$RESULT $id")
    [ "$RESULT" = failed ] && failed=$((failed + 1))
  done <<<"$targets"
  print_summary "$dry_run" "$failed" "instance(s)" "$record has every volume and snapshot ID" "${results[@]}"
}

# Rollback: a new volume from the snapshot replaces the (repaired) root volume, which is kept detached.
cmd_rollback() {
  [ "${#ids[@]}" -eq 1 ] || usage_error "rollback needs exactly one --instance-id"
  need_tool aws "Install the AWS CLI v2 and configure credentials."
  local id=${ids[0]} facts snap_state current vtype new_vol
  read_instance "$id" || die "cannot read instance $id or its root volume"
  if [ -z "$rollback_snapshot" ]; then
    facts=$(aws_ ec2 describe-snapshots --owner-ids self --filters "Name=tag:bootmedic-instance,Values=$id" \
      --query "sort_by(Snapshots, &StartTime)[-1].SnapshotId" --output text) || die "cannot list snapshots"
    [[ "$facts" == snap-* ]] || die "no snapshot tagged bootmedic-instance=$id; give one with --snapshot snap-..."
    rollback_snapshot=$facts
  fi
  current=$vol
  vtype=$(aws_ ec2 describe-volumes --volume-ids "$current" --query "Volumes[0].VolumeType" --output text) || die "cannot read $current"
  echo "ROLLBACK $id: root $current at $root_dev -> new $vtype volume from $rollback_snapshot in $az"
  if [ "$dry_run" = 1 ]; then
    echo "DRY RUN: would stop $id, create the volume, swap it in as $root_dev, start. Nothing was changed."
    return 0
  fi
  snap_state=$(aws_ ec2 describe-snapshots --snapshot-ids "$rollback_snapshot" --query "Snapshots[0].State" --output text) ||
    die "cannot read snapshot $rollback_snapshot"
  [ "$snap_state" = completed ] || { say "waiting for $rollback_snapshot ($snap_state) to complete"; aws_ ec2 wait snapshot-completed --snapshot-ids "$rollback_snapshot" || die "snapshot $rollback_snapshot did not complete; nothing was changed"; }
  aws_ ec2 stop-instances --instance-ids "$id" --output text >/dev/null || die "stop failed; nothing was changed"
  aws_ ec2 wait instance-stopped --instance-ids "$id" || die "$id did not stop; nothing else was changed"
  new_vol=$(aws_ ec2 create-volume --snapshot-id "$rollback_snapshot" --availability-zone "$az" --volume-type "$vtype" \
    --tag-specifications "ResourceType=volume,Tags=[{Key=bootmedic-rollback-of,Value=$id}]" --query VolumeId --output text) ||
    die "create-volume failed; $id is stopped on $current. Start it: aws ec2 start-instances --instance-ids $id"
  aws_ ec2 wait volume-available --volume-ids "$new_vol" || die "new volume $new_vol did not become available; $id is stopped on $current"
  aws_ ec2 detach-volume --volume-id "$current" --instance-id "$id" --output text >/dev/null || die "detach of $current failed; $id is stopped on it"
  aws_ ec2 wait volume-available --volume-ids "$current" || die "detach of $current did not finish; check it, then attach $new_vol as $root_dev"
  aws_ ec2 attach-volume --volume-id "$new_vol" --instance-id "$id" --device "$root_dev" --output text >/dev/null ||
    die "attach of $new_vol failed; $id has no root volume: aws ec2 attach-volume --volume-id $current --instance-id $id --device $root_dev"
  aws_ ec2 wait volume-in-use --volume-ids "$new_vol" || die "attach of $new_vol did not finish; check it in the console"
  aws_ ec2 start-instances --instance-ids "$id" --output text >/dev/null || die "$id did not start: aws ec2 start-instances --instance-ids $id"
  echo "ROLLED BACK $id: running on $new_vol (from $rollback_snapshot). The previous root $current is detached (delete it when done)."
}

parse_args "$@"
case "$command_name" in
  fix) cmd_fix ;;
  rollback) cmd_rollback ;;
  help) help ;;
  *) usage_error "unknown command '$command_name' (fix or rollback)" ;;
esac
