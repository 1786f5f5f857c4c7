#!/usr/bin/env bash
# Repairs EC2 Windows instances whose root EBS volume boot-loops on a faulty driver/content file,
# with one Linux worker instance in the same Availability Zone doing the repair. The original
# root volume is never written: bootmedic repairs a COPY made from a completed snapshot.
#
#   1. every target: (Auto Scaling member: standby) -> stop (force-stop if it hangs)
#                    -> snapshot of the root volume
#   2. every snapshot 'completed' (an 'error' snapshot fails that instance, nothing else changed)
#   3. per instance: new volume from the snapshot (same type, size, iops, throughput, KMS key)
#                    -> attach it to the worker -> bootmedic fix --device there (SSM or ssh)
#                    -> detach it from the worker -> swap it in as root (same device name,
#                    DeleteOnTermination as before) -> start (-> leave standby)
#      The original stays detached, tagged bootmedic-role=original; the instance carries the tag
#      bootmedic-original-root=<vol> (written once, never overwritten).
#
# Until the swap the instance keeps its original root volume: any failure before it only leaves
# the instance stopped on it. The SSM command is polled until a terminal status (never detached
# while Pending/InProgress/Delayed/Cancelling); past its deadline it is cancelled, the worker is
# asked whether anything still holds the device, and only then is the copy detached.
#
# Usage:
#   remediate.sh fix --worker i-WORKER (targets) [options]
#   remediate.sh rollback --instance-id i-ID [--snapshot snap-ID] [--dry-run]
#   remediate.sh resume  [--record FILE]   continue every instance the record shows unfinished
#   remediate.sh cleanup [--record FILE]   put every unfinished instance in a safe state, no repair
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
#   --asg-standby         Auto Scaling members: enter standby before the stop, leave it after the
#                         start (default: such instances are refused, nothing is changed)
#   --force               repair again an instance already remediated (its original stays the record)
#   --record FILE         the record, one line per step per instance; default ./bootmedic-aws-runs.tsv
#   --dry-run             list the instances and what would be done; no change anywhere
# Environment: AWS_ENDPOINT_URL (passed as --endpoint-url), BOOTMEDIC_AWS_POLL_SECONDS (5),
#   BOOTMEDIC_AWS_STOP_TIMEOUT (600, then a force stop), BOOTMEDIC_AWS_SNAPSHOT_TIMEOUT (14400),
#   BOOTMEDIC_AWS_VOLUME_TIMEOUT (900), BOOTMEDIC_AWS_EXECUTION_TIMEOUT (3600, the SSM
#   executionTimeout), BOOTMEDIC_AWS_DELIVERY_TIMEOUT (600), BOOTMEDIC_AWS_COMMAND_GRACE (600: the
#   script's own deadline is delivery + execution + grace), BOOTMEDIC_AWS_CANCEL_TIMEOUT (300).
# Exit: 0 every instance fixed (or nothing to do), 1 some failed, 2 usage, 3 no AWS credentials,
#   130/143 interrupted (the record says where everything is; run resume or cleanup).
set -euo pipefail
# shellcheck disable=SC2034
BM_TOOL=bootmedic-aws # read by the functions in scripts/lib/common.sh
# shellcheck disable=SC1091 # shellcheck checks scripts/lib/common.sh on its own
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/common.sh"
self="bash scripts/aws/remediate.sh"

command_name=fix
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then command_name=$1; shift; fi

ids=() tag="" csv="" worker="" via=ssm ssh_host="" worker_device=/dev/sdf region_args=()
bootmedic_bin="" record="./bootmedic-aws-runs.tsv" dry_run=0 rollback_snapshot="" force=0 asg_standby=0
pass=()

poll_s=${BOOTMEDIC_AWS_POLL_SECONDS:-5}
stop_timeout=${BOOTMEDIC_AWS_STOP_TIMEOUT:-600}
snapshot_timeout=${BOOTMEDIC_AWS_SNAPSHOT_TIMEOUT:-14400}
volume_timeout=${BOOTMEDIC_AWS_VOLUME_TIMEOUT:-900}
execution_timeout=${BOOTMEDIC_AWS_EXECUTION_TIMEOUT:-3600}
delivery_timeout=${BOOTMEDIC_AWS_DELIVERY_TIMEOUT:-600}
command_grace=${BOOTMEDIC_AWS_COMMAND_GRACE:-600}
cancel_timeout=${BOOTMEDIC_AWS_CANCEL_TIMEOUT:-300}

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
      --asg-standby) asg_standby=1; shift ;;
      --force) force=1; shift ;;
      --dry-run) dry_run=1; shift ;;
      -h | --help) help; exit 0 ;;
      *) usage_error "unknown option: $1" ;;
    esac
  done
}

# Every aws call goes through here: the region, the endpoint (VPC endpoints, tests), no pager.
aws_() {
  local endpoint=()
  [ -n "${AWS_ENDPOINT_URL:-}" ] && endpoint=(--endpoint-url "$AWS_ENDPOINT_URL")
  AWS_PAGER="" aws "$@" "${endpoint[@]}" "${region_args[@]}"
}

# Polls until the value printed by the aws call matches GOOD (0), BAD (2) or the deadline (1).
# The last value is in $last_value. A failing call counts as "not yet" (throttling, eventual consistency).
last_value=""
wait_for() { # SECONDS GOOD_RE BAD_RE aws-args...
  local limit=$1 good=$2 bad=$3 start=$SECONDS
  shift 3
  while :; do
    last_value=$(aws_ "$@" 2>/dev/null) || last_value="(the describe call failed)"
    last_value=${last_value//$'\t'/ }
    [[ "$last_value" =~ ^($good)$ ]] && return 0
    [ -n "$bad" ] && [[ "$last_value" =~ ^($bad)$ ]] && return 2
    [ $((SECONDS - start)) -ge "$limit" ] && return 1
    sleep "$poll_s"
  done
}

# The attachment of a volume, "STATE INSTANCE DEVICE" (volume-in-use is not attached: the
# attachment state is what counts), or "available" when it has none.
volume_attachment_query=(--query "Volumes[0].[State, Attachments[0].State, Attachments[0].InstanceId, Attachments[0].Device]" --output text)
wait_attached() { # VOL INSTANCE DEVICE
  wait_for "$volume_timeout" "in-use attached $2 $3" "available.*|(error|deleted|deleting).*" \
    ec2 describe-volumes --volume-ids "$1" "${volume_attachment_query[@]}"
}
wait_available() { # VOL
  wait_for "$volume_timeout" "available.*" "(error|deleted|deleting).*" \
    ec2 describe-volumes --volume-ids "$1" "${volume_attachment_query[@]}"
}
volume_state() { # VOL -> "STATE ATTACHMENT INSTANCE DEVICE"
  local v
  v=$(aws_ ec2 describe-volumes --volume-ids "$1" "${volume_attachment_query[@]}") || return 1
  printf '%s' "${v//$'\t'/ }"
}

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

# ---- per-instance facts (one describe-instances, one describe-volumes) ----
id="" root_dev="" az="" platform="" state="" vol="" dot="" tag_original="" tag_remediated=""
vtype="" vsize="" viops="" vthroughput="" encrypted="" kms_key=""
read_instance() { # ID
  local line first=1 dev v d
  root_dev="" vol="" dot=""
  while IFS=$'\t' read -r -a line; do
    if [ "$first" = 1 ]; then
      first=0
      root_dev=${line[0]:-} az=${line[1]:-} platform=${line[2]:-} state=${line[3]:-}
      tag_original=${line[4]:-None} tag_remediated=${line[5]:-None}
      continue
    fi
    dev=${line[0]:-} v=${line[1]:-} d=${line[2]:-}
    if [ "$dev" = "$root_dev" ]; then vol=$v dot=$d; fi
  done < <(aws_ ec2 describe-instances --instance-ids "$1" --output text --query \
    "Reservations[0].Instances[0].[[RootDeviceName, Placement.AvailabilityZone, Platform || 'linux', State.Name, Tags[?Key=='bootmedic-original-root'].Value | [0], Tags[?Key=='bootmedic-remediated'].Value | [0]], BlockDeviceMappings[].[DeviceName, Ebs.VolumeId, Ebs.DeleteOnTermination]]" ||
    echo "FAILED")
  [ -n "$root_dev" ] && [ "$root_dev" != FAILED ] || return 1
  [ "$tag_original" = None ] && tag_original=""
  [ "$tag_remediated" = None ] && tag_remediated=""
  return 0
}
read_volume() { # VOL -> vtype vsize viops vthroughput encrypted kms_key
  local facts
  facts=$(aws_ ec2 describe-volumes --volume-ids "$1" \
    --query "Volumes[0].[VolumeType, Size, Iops, Throughput, Encrypted, KmsKeyId]" --output text) || return 1
  read -r vtype vsize viops vthroughput encrypted kms_key <<<"$facts" || true
  [ -n "$vtype" ]
}
# create-volume options that give a copy the same type, size, iops, throughput and KMS key.
copy_options() {
  copy_opts=(--volume-type "$vtype" --size "$vsize")
  case "$vtype" in io1 | io2 | gp3) [ "$viops" != None ] && copy_opts+=(--iops "$viops") ;; esac
  [ "$vtype" = gp3 ] && [ "$vthroughput" != None ] && copy_opts+=(--throughput "$vthroughput")
  if [ "$encrypted" = True ]; then
    copy_opts+=(--encrypted)
    [ "$kms_key" != None ] && copy_opts+=(--kms-key-id "$kms_key")
  fi
  return 0
}

asg_group=""
read_asg() { # ID -> asg_group ("" when not a member)
  local facts
  facts=$(aws_ autoscaling describe-auto-scaling-instances --instance-ids "$1" \
    --query "AutoScalingInstances[0].AutoScalingGroupName" --output text) || return 1
  asg_group=$facts
  [ "$asg_group" = None ] && asg_group=""
  return 0
}

# ---- the record: one line per step per instance; the last line of an instance is where it is ----
step="" snap="" copy="" cmd_id="" result=""
record_header=$'time\tinstance\tresult\tstep\toriginal_volume\troot_device\tsnapshot\tcopy_volume\tworker\tcommand_id\tdelete_on_termination\tasg_group\tworker_device'
recording=1
record_line() { # RESULT
  result=$1
  [ "$dry_run" = 1 ] || [ "$recording" = 0 ] && return 0
  [ -f "$record" ] || printf '%s\n' "$record_header" >>"$record"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$id" "$1" "$step" "$vol" "$root_dev" \
    "${snap:--}" "${copy:--}" "${worker:--}" "${cmd_id:--}" "${dot:--}" "${asg_group:--}" "$worker_device" >>"$record"
}
dot_json() { if [ "${dot,,}" = true ]; then printf true; else printf false; fi; }
at() { step=$1; record_line in-progress; } # STEP: about to do it

# Loads the last record line of every instance whose last result is not final.
unfinished_lines() {
  [ -f "$record" ] || die "no record file $record (give --record FILE)" 2
  awk -F'\t' 'NR > 1 { last[$2] = $0; order[$2] = NR } END { for (i in last) print order[i] "\t" last[i] }' "$record" |
    sort -n | cut -f2- | awk -F'\t' '$3 == "in-progress" || $3 == "interrupted"'
}
load_line() { # RECORD-LINE
  local f
  IFS=$'\t' read -r -a f <<<"$1"
  id=${f[1]} step=${f[3]} vol=${f[4]} root_dev=${f[5]} snap=${f[6]} copy=${f[7]} worker=${f[8]} cmd_id=${f[9]} dot=${f[10]} asg_group=${f[11]} worker_device=${f[12]:-$worker_device}
  [ "$snap" = - ] && snap=""
  [ "$copy" = - ] && copy=""
  [ "$cmd_id" = - ] && cmd_id=""
  [ "$asg_group" = - ] && asg_group=""
  return 0
}

# ---- INT/TERM: stop where we are, write down where everything is ----
on_signal() { # SIGNAL CODE
  trap - INT TERM
  if [ -n "$id" ] && [ "$result" = in-progress ]; then
    record_line interrupted
    echo "INTERRUPTED $id at step '$step' ($1). Nothing more was changed; $record has every volume, snapshot and command ID." >&2
  fi
  echo "Next: '$self resume --record $record' to continue, or '$self cleanup --record $record' to put every unfinished instance in a safe state." >&2
  exit "$2"
}

# ---- SSM: poll get-command-invocation to a terminal status ----
cmd_status="" cmd_rc="" cmd_out=""
poll_command() { # COMMAND-ID DEADLINE-SECONDS -> 0 terminal, 1 deadline passed (still running)
  local cid=$1 limit=$2 start=$SECONDS text err
  err=$(mktemp "${TMPDIR:-/tmp}/bootmedic-aws-err.XXXXXX")
  while :; do
    if text=$(aws_ ssm get-command-invocation --command-id "$cid" --instance-id "$worker" \
      --query "[Status, ResponseCode, StandardOutputContent]" --output text 2>"$err"); then
      cmd_status=${text%%$'\t'*}
      text=${text#*$'\t'}
      cmd_rc=${text%%$'\t'*}
      cmd_out=${text#*$'\t'}
    elif grep -q InvocationDoesNotExist "$err"; then
      cmd_status=Pending # not registered yet right after send-command
    else
      cmd_status="unknown ($(tr '\n' ' ' <"$err"))"
    fi
    case "$cmd_status" in
      Success | Failed | Cancelled | TimedOut) rm -f "$err"; return 0 ;;
    esac
    if [ $((SECONDS - start)) -ge "$limit" ]; then rm -f "$err"; return 1; fi
    sleep "$poll_s"
  done
}

send_ssm() { # COMMENT SHELL-LINE EXECUTION-TIMEOUT -> cmd_id
  local params="$private/ssm-$id.json" esc=${2//\\/\\\\}
  esc=${esc//\"/\\\"}
  printf '{"commands":["%s"],"executionTimeout":["%s"]}\n' "$esc" "$3" >"$params"
  cmd_id=$(aws_ ssm send-command --instance-ids "$worker" --document-name AWS-RunShellScript \
    --comment "$1" --timeout-seconds "$((delivery_timeout < 30 ? 30 : delivery_timeout))" --parameters "file://$params" \
    --query Command.CommandId --output text)
}

# Asks the worker whether anything still holds the copy (a process, a mount); 0 only when free.
device_free_on_worker() {
  local v=${copy//-/} line saved_cmd=$cmd_id
  # shellcheck disable=SC2016 # expands on the worker
  line='d=""; for c in /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_'"$v"' '"$worker_device"' /dev/xvd'"${worker_device#/dev/sd}"'; do if [ -b "$c" ]; then d=$(readlink -f "$c"); break; fi; done; if [ -z "$d" ]; then echo BOOTMEDIC_DEVICE_FREE=absent; exit 0; fi; if pgrep -f "bootmedic.*fix" >/dev/null || grep -q "^$d" /proc/mounts || fuser -s "$d"* 2>/dev/null; then echo "BOOTMEDIC_DEVICE_BUSY=$d"; exit 1; fi; sync; blockdev --flushbufs "$d" || true; echo "BOOTMEDIC_DEVICE_FREE=$d"; exit 0'
  if [ "$via" = ssh ]; then
    ssh -o BatchMode=yes "$ssh_host" "sudo bash -c $(printf '%q' "$line")"
    return
  fi
  send_ssm "bootmedic device check of $copy" "$line" 120 || { cmd_id=$saved_cmd; return 1; }
  local check=$cmd_id saved_status=$cmd_status saved_rc=$cmd_rc rc=0
  cmd_id=$saved_cmd
  poll_command "$check" $((delivery_timeout + 120 + command_grace)) || rc=1
  [ "$rc" = 0 ] && [ "$cmd_status" = Success ] && [ "$cmd_rc" = 0 ] || rc=1
  cmd_status=$saved_status cmd_rc=$saved_rc # the messages are about the bootmedic command
  return "$rc"
}

worker_rc=""
# Runs (or, on resume, keeps following) bootmedic on the worker. 0 = bootmedic fixed the copy;
# 1 = it did not, and the command is over; 3 = the command may still touch the copy (do not detach).
run_bootmedic_on_worker() {
  local args=(--ebs-volume "$copy" --ebs-device "$worker_device" --expect-size "$((vsize * 1073741824))") out
  [ -n "$bootmedic_bin" ] && args+=(--bootmedic "$bootmedic_bin")
  args+=("${pass[@]}")
  worker_rc=""
  if [ "$via" = ssh ]; then
    out=$(ssh -o BatchMode=yes "$ssh_host" "sudo bash -s --$(printf ' %q' "${args[@]}")" <"$BM_LIB_DIR/worker-fix.sh") && worker_rc=0 || worker_rc=$?
    printf '%s\n' "$out" | sed 's/^/    worker| /'
    [ "$worker_rc" = 255 ] && return 3 # ssh itself failed: we do not know what runs there
    [ "$worker_rc" = 0 ]
    return
  fi
  if [ -z "$cmd_id" ]; then
    send_ssm "bootmedic fix of $id" "$(worker_command "$(worker_payload "${args[@]}")")" "$execution_timeout" || {
      cmd_id=""
      say "$id: aws ssm send-command failed; nothing ran on the worker"
      return 1
    }
    record_line in-progress
  fi
  say "$id: bootmedic runs on $worker (SSM command $cmd_id); polling until it ends"
  if ! poll_command "$cmd_id" $((delivery_timeout + execution_timeout + command_grace)); then
    say "$id: SSM command $cmd_id still '$cmd_status' past the deadline; cancelling it"
    aws_ ssm cancel-command --command-id "$cmd_id" --instance-ids "$worker" >/dev/null || true
    if ! poll_command "$cmd_id" "$cancel_timeout"; then
      say "$id: the command is still '$cmd_status' ${cancel_timeout}s after the cancel; the copy $copy stays on the worker"
      return 3
    fi
    if [ "$cmd_status" = Success ] && [ "$cmd_rc" = 0 ]; then
      say "$id: the command ended with Success just before the cancel"
      worker_rc=0
      return 0
    fi
    if ! device_free_on_worker; then
      say "$id: something on $worker still holds $copy (or the check could not run); the copy stays attached"
      return 3
    fi
    return 1
  fi
  printf '%s\n' "$cmd_out" | sed 's/^/    worker| /'
  worker_rc=$cmd_rc
  say "$id: SSM command $cmd_status, bootmedic exit $worker_rc: $(explain_bootmedic_exit "$worker_rc")"
  [ "$cmd_status" = Success ] && [ "$worker_rc" = 0 ]
}

# ---- the steps; each one can be re-entered (resume) and checks the cloud before acting ----
do_stop() {
  at stop
  if [ -n "$asg_group" ]; then
    say "$id: Auto Scaling group $asg_group: entering standby"
    aws_ autoscaling enter-standby --instance-ids "$id" --auto-scaling-group-name "$asg_group" \
      --should-decrement-desired-capacity --output text >/dev/null || return 1
    wait_for "$volume_timeout" "Standby" "" autoscaling describe-auto-scaling-instances --instance-ids "$id" \
      --query "AutoScalingInstances[0].LifecycleState" --output text ||
      { say "$id: did not reach Standby (is '$last_value')"; return 1; }
  fi
  say "$id: stopping"
  aws_ ec2 stop-instances --instance-ids "$id" --output text >/dev/null || return 1
}
do_wait_stopped() {
  at wait-stopped
  local q=(ec2 describe-instances --instance-ids "$id" --query "Reservations[0].Instances[0].State.Name" --output text)
  wait_for "$stop_timeout" stopped "terminated|shutting-down" "${q[@]}" && return 0
  [ "$last_value" = stopped ] || [ "$last_value" = stopping ] || [ "$last_value" = running ] ||
    { say "$id: is '$last_value', cannot be stopped"; return 1; }
  say "$id: still '$last_value' after ${stop_timeout}s; forcing the stop"
  aws_ ec2 stop-instances --instance-ids "$id" --force --output text >/dev/null || return 1
  wait_for "$stop_timeout" stopped "terminated|shutting-down" "${q[@]}" || { say "$id: did not stop even when forced ('$last_value')"; return 1; }
}
do_snapshot() {
  at snapshot
  say "$id: snapshot of $vol"
  snap=$(aws_ ec2 create-snapshot --volume-id "$vol" --description "bootmedic: root volume of $id before repair" \
    --tag-specifications "ResourceType=snapshot,Tags=[{Key=bootmedic-instance,Value=$id},{Key=bootmedic-original-volume,Value=$vol},{Key=bootmedic-root-device,Value=$root_dev}]" \
    --query SnapshotId --output text) || { snap=""; return 1; }
  at wait-snapshot
}
do_wait_snapshot() {
  at wait-snapshot
  say "$id: waiting for snapshot $snap to complete"
  wait_for "$snapshot_timeout" completed error ec2 describe-snapshots --snapshot-ids "$snap" \
    --query "Snapshots[0].State" --output text && return 0
  say "$id: snapshot $snap is '$last_value'$([ "$last_value" = error ] && echo ' (EBS could not make it; delete it and run this again)')"
  return 1
}
do_create_copy() {
  at create-copy
  [ -n "$vtype" ] || read_volume "$vol" || { say "$id: cannot read $vol"; return 1; }
  copy_options
  if [ -z "$copy" ]; then
    say "$id: creating the copy of $vol from $snap (${copy_opts[*]})"
    # the client token makes a repeated call (resume after an interruption) return the same volume
    copy=$(aws_ ec2 create-volume --snapshot-id "$snap" --availability-zone "$az" "${copy_opts[@]}" \
      --client-token "bootmedic-$snap" \
      --tag-specifications "ResourceType=volume,Tags=[{Key=bootmedic-role,Value=repair-copy},{Key=bootmedic-instance,Value=$id},{Key=bootmedic-copy-of,Value=$vol}]" \
      --query VolumeId --output text) || { copy=""; return 1; }
    record_line in-progress
  fi
  wait_for "$volume_timeout" "available.*|in-use.*" "(error|deleted|deleting).*" \
    ec2 describe-volumes --volume-ids "$copy" "${volume_attachment_query[@]}" || { say "$id: the copy $copy is '$last_value'"; return 1; }
}
do_attach_worker() {
  at attach-worker
  local s=available
  [ "$resuming" = 1 ] && { s=$(volume_state "$copy") || return 1; }
  if [[ "$s" != "in-use "*" $worker $worker_device" ]]; then
    say "$id: attaching the copy $copy to $worker as $worker_device"
    aws_ ec2 attach-volume --volume-id "$copy" --instance-id "$worker" --device "$worker_device" --output text >/dev/null || return 1
  fi
  wait_attached "$copy" "$worker" "$worker_device" || { say "$id: the attach of $copy to $worker did not finish ('$last_value')"; return 1; }
}
do_detach_worker() {
  at detach-worker
  local s="in-use attached $worker $worker_device"
  [ "$resuming" = 1 ] && { s=$(volume_state "$copy") || return 1; }
  if [[ "$s" == "in-use "*" $worker "* ]]; then
    aws_ ec2 detach-volume --volume-id "$copy" --instance-id "$worker" --output text >/dev/null || return 1
  fi
  wait_available "$copy" || { say "$id: the detach of $copy from $worker did not finish ('$last_value')"; return 1; }
}
do_swap() {
  at swap
  local s="in-use attached $id $root_dev"
  [ "$resuming" = 1 ] && { s=$(volume_state "$vol") || return 1; }
  if [[ "$s" == "in-use "*" $id "* ]]; then
    say "$id: detaching the original $vol"
    aws_ ec2 detach-volume --volume-id "$vol" --instance-id "$id" --output text >/dev/null || return 1
  fi
  wait_available "$vol" || { say "$id: the detach of $vol did not finish ('$last_value')"; return 1; }
  s=available
  [ "$resuming" = 1 ] && { s=$(volume_state "$copy") || return 1; }
  if [[ "$s" != "in-use "*" $id $root_dev" ]]; then
    say "$id: attaching the repaired copy $copy as $root_dev"
    aws_ ec2 attach-volume --volume-id "$copy" --instance-id "$id" --device "$root_dev" --output text >/dev/null || return 1
  fi
  wait_attached "$copy" "$id" "$root_dev" || { say "$id: the attach of $copy as root did not finish ('$last_value')"; return 1; }
}
do_tag() {
  at tag
  # a manual attach sets DeleteOnTermination false: give the new root what the original had
  aws_ ec2 modify-instance-attribute --instance-id "$id" \
    --block-device-mappings "[{\"DeviceName\":\"$root_dev\",\"Ebs\":{\"DeleteOnTermination\":$(dot_json)}}]" || return 1
  local role=original
  # a --force run replaces an earlier repaired copy: that one is not the original
  [ -n "$tag_original" ] && [ "$tag_original" != "$vol" ] && role=replaced-root
  aws_ ec2 create-tags --resources "$vol" --tags "Key=bootmedic-role,Value=$role" "Key=bootmedic-original-of,Value=$id" \
    "Key=bootmedic-delete-on-termination,Value=$(dot_json)" "Key=bootmedic-snapshot,Value=$snap" || return 1
  local tags=("Key=bootmedic-remediated,Value=$(date -u +%FT%TZ)")
  # the original's record is written once: a --force run keeps the very first original
  [ -z "$tag_original" ] && tags+=("Key=bootmedic-original-root,Value=$vol" "Key=bootmedic-original-snapshot,Value=$snap")
  aws_ ec2 create-tags --resources "$id" --tags "${tags[@]}" || return 1
}
do_start() {
  at start
  say "$id: starting"
  aws_ ec2 start-instances --instance-ids "$id" --output text >/dev/null || return 1
  if [ -n "$asg_group" ]; then
    say "$id: leaving standby in $asg_group"
    aws_ autoscaling exit-standby --instance-ids "$id" --auto-scaling-group-name "$asg_group" --output text >/dev/null ||
      { say "$id: exit-standby failed: aws autoscaling exit-standby --instance-ids $id --auto-scaling-group-name $asg_group"; return 1; }
  fi
}

steps_order=(stop wait-stopped snapshot wait-snapshot create-copy attach-worker bootmedic detach-worker swap tag start)
# Runs the steps from FROM (inclusive) to UNTIL (exclusive; empty: to the end). 0 all done.
run_steps() { # FROM [UNTIL]
  local s go=0 rc
  for s in "${steps_order[@]}"; do
    [ "$s" = "$1" ] && go=1
    [ "$s" = "${2:-}" ] && return 0
    [ "$go" = 1 ] || continue
    case "$s" in
      stop) do_stop || return 1 ;;
      wait-stopped) do_wait_stopped || return 1 ;;
      snapshot) [ -n "$snap" ] || do_snapshot || return 1 ;;
      wait-snapshot) do_wait_snapshot || return 1 ;;
      create-copy) do_create_copy || return 1 ;;
      attach-worker) do_attach_worker || return 1 ;;
      bootmedic)
        at bootmedic
        rc=0; run_bootmedic_on_worker || rc=$?
        if [ "$rc" != 0 ]; then
          [ "$rc" = 3 ] && return 3
          do_detach_worker || return 3
          step=bootmedic
          return 1
        fi ;;
      detach-worker) do_detach_worker || return 3 ;;
      swap) do_swap || return 4 ;;
      tag) do_tag || return 4 ;;
      start) do_start || return 5 ;;
    esac
  done
}

# Says where the instance is after a failure (nothing is undone: the original was never written).
explain_failure() { # RC
  local failed_step=$step
  echo "FAILED $id at step '$failed_step'."
  case "$1" in
    3) echo "  The copy $copy is STILL ATTACHED to the worker $worker and may be in use there (SSM command ${cmd_id:-none})."
       echo "  Do not detach it by hand while anything runs; '$self cleanup --record $record' cancels, checks the worker and detaches it." ;;
    4) echo "  The swap of the root volume did not finish: '$self resume --record $record' finishes it,"
       echo "  '$self cleanup --record $record' puts the original $vol back as $root_dev." ;;
    5) echo "  $id has its repaired root $copy; start it: aws ec2 start-instances --instance-ids $id"
       [ -n "$asg_group" ] && echo "  then: aws autoscaling exit-standby --instance-ids $id --auto-scaling-group-name $asg_group" ;;
    *) echo "  $id still has its original root volume $vol as $root_dev, unchanged.${copy:+ The copy $copy is detached (delete it when done).}"
       [ "$failed_step" = bootmedic ] && [ -n "$worker_rc" ] && echo "  bootmedic on the worker: exit $worker_rc: $(explain_bootmedic_exit "$worker_rc")"
       [ "$failed_step" = bootmedic ] && [ -z "$worker_rc" ] && echo "  bootmedic gave no result (SSM: ${cmd_status:-not sent}); see the command's output in the SSM console."
       echo "  $id is stopped. To start it as it was: aws ec2 start-instances --instance-ids $id"
       [ -n "$asg_group" ] && echo "  It is in Standby in $asg_group: aws autoscaling exit-standby --instance-ids $id --auto-scaling-group-name $asg_group" ;;
  esac
  [ -n "$snap" ] && echo "  Snapshot kept: $snap."
  echo "  Next: fix the cause above and run the same command again for this instance (--instance-id $id)."
  return 0
}

# Phase 1 for one instance: checks, standby, stop. Sets PREPARED or prints why not.
prepared=() results=() failed=0
prepare_instance() {
  step=read snap="" copy="" cmd_id="" asg_group="" result=""
  if ! read_instance "$id"; then
    echo "FAILED $id: cannot read the instance or its root EBS volume (aws ec2 describe-instances failed or no EBS root); nothing was changed." >&2
    results+=("failed $id"); failed=$((failed + 1)); return 0
  fi
  if [ "$platform" != windows ]; then
    say "$id: platform is '$platform', not windows: skipped"
    results+=("skipped $id"); return 0
  fi
  if [ -n "$tag_original$tag_remediated" ] && [ "$force" = 0 ]; then
    say "$id: already remediated by bootmedic (${tag_remediated:-?}; original root $tag_original): skipped. --force repairs it again; rollback: $self rollback --instance-id $id"
    results+=("skipped $id (already remediated)"); return 0
  fi
  if [ "$az" != "$worker_az" ]; then
    echo "FAILED $id: the instance is in $az, the worker in $worker_az; an EBS volume only attaches in its own Availability Zone. Nothing was changed. Use a worker in $az." >&2
    results+=("failed $id"); failed=$((failed + 1)); return 0
  fi
  if [[ "$vol" != vol-* ]] || ! read_volume "$vol"; then
    echo "FAILED $id: its root device $root_dev has no readable EBS volume; nothing was changed." >&2
    results+=("failed $id"); failed=$((failed + 1)); return 0
  fi
  if ! read_asg "$id"; then
    echo "FAILED $id: cannot tell whether it is in an Auto Scaling group (autoscaling:DescribeAutoScalingInstances failed); nothing was changed." >&2
    results+=("failed $id"); failed=$((failed + 1)); return 0
  fi
  if [ -n "$asg_group" ] && [ "$asg_standby" = 0 ]; then
    echo "FAILED $id: it is in the Auto Scaling group $asg_group, which may replace it when it is stopped. Nothing was changed. Pass --asg-standby (standby during the repair) or detach it from the group." >&2
    results+=("failed $id"); failed=$((failed + 1)); return 0
  fi
  if [ "$dry_run" = 1 ]; then
    copy_options
    echo "PLAN $id (root $vol at $root_dev, $az, $state, $vtype ${vsize} GiB$([ "$encrypted" = True ] && printf ', encrypted with KMS key %s' "$kms_key")${asg_group:+, Auto Scaling group $asg_group})"
    echo "  1. ${asg_group:+standby in $asg_group; }stop $id; snapshot $vol; wait for 'completed'"
    echo "  2. new volume from the snapshot (${copy_opts[*]}); attach it to worker $worker as $worker_device"
    echo "  3. bootmedic fix --device on the worker via $via${pass[*]:+ with ${pass[*]}}, polled to a terminal status"
    echo "  4. detach the copy; detach $vol (kept, tagged); attach the copy as $root_dev (DeleteOnTermination $dot); start"
    results+=("planned $id"); return 0
  fi
  local rc=0
  run_steps stop wait-stopped || rc=$?
  if [ "$rc" != 0 ]; then
    record_line failed; explain_failure "$rc"; results+=("failed $id"); failed=$((failed + 1)); return 0
  fi
  prepared+=("$id")
  facts_of[$id]="$tag_original|$vtype|$vsize|$viops|$vthroughput|$encrypted|$kms_key"
  record_line in-progress
}
# The facts read in phase 1 and the record's IDs, for instance ID (no second describe).
declare -A facts_of=()
restore_facts() { # ID
  id=$1
  load_line "$(last_line "$1")"
  IFS='|' read -r tag_original vtype vsize viops vthroughput encrypted kms_key <<<"${facts_of[$1]}"
  az=$worker_az
}

# Runs one instance from STEP to the end, records and reports.
finish_instance() { # FROM
  local rc=0
  run_steps "$1" || rc=$?
  if [ "$rc" = 0 ]; then
    record_line fixed
    echo "FIXED $id: started on the repaired copy $copy; the original $vol is detached and tagged bootmedic-role=original; snapshot $snap kept."
    echo "  Roll back if needed: $self rollback --instance-id $id"
    results+=("fixed $id")
  else
    record_line failed
    explain_failure "$rc"
    results+=("failed $id"); failed=$((failed + 1))
  fi
}

private=""
setup_run() {
  need_tool aws "Install the AWS CLI v2 and configure credentials."
  aws_ sts get-caller-identity --query Arn --output text >/dev/null ||
    die "no usable AWS credentials: run 'aws configure' / 'aws sso login' (or set AWS_PROFILE)" 3
  private=$(private_dir)
  trap 'rm -rf "$private"' EXIT
  trap 'on_signal SIGINT 130' INT
  trap 'on_signal SIGTERM 143' TERM
}

cmd_fix() {
  [ -n "$worker" ] || usage_error "name the Linux worker instance: --worker i-..."
  [ "${#ids[@]}" -gt 0 ] || [ -n "$tag$csv" ] || usage_error "name the instances: --instance-id ID, --tag KEY=VALUE or --csv FILE"
  case "$via" in
    ssm) ;;
    ssh) [ -n "$ssh_host" ] || usage_error "--via ssh needs --ssh user@worker-address"; need_tool ssh "Install an OpenSSH client." ;;
    *) usage_error "--via must be ssm or ssh" ;;
  esac
  setup_run
  read_worker

  local targets i
  targets=$(list_targets | awk 'NF && !seen[$0]++')
  [ -n "$targets" ] || { say "no instances matched; nothing to do"; return 0; }
  [ "$dry_run" = 1 ] && echo "DRY RUN: nothing will be changed."
  # phase 1: stop every target (standby first) so that the snapshots are of stopped volumes
  while IFS= read -r id; do prepare_instance </dev/null; done <<<"$targets"
  # phase 2: wait for each stop and snapshot every root volume; phase 3: every snapshot completed
  local snapped=() completed=() rc
  for i in "${prepared[@]}"; do
    restore_facts "$i"
    rc=0; run_steps wait-stopped wait-snapshot || rc=$?
    if [ "$rc" = 0 ]; then snapped+=("$i"); else record_line failed; explain_failure "$rc"; results+=("failed $id"); failed=$((failed + 1)); fi
  done
  for i in "${snapped[@]}"; do
    restore_facts "$i"
    rc=0; run_steps wait-snapshot create-copy || rc=$?
    if [ "$rc" = 0 ]; then completed+=("$i"); else record_line failed; explain_failure "$rc"; results+=("failed $id"); failed=$((failed + 1)); fi
  done
  # phase 4: one instance at a time through the worker, only once every snapshot is completed
  for i in "${completed[@]}"; do
    restore_facts "$i"
    finish_instance create-copy </dev/null
  done
  id=""
  print_summary "$dry_run" "$failed" "instance(s)" "$record has every volume, snapshot and command ID" "${results[@]}"
}

last_line() { awk -F'\t' -v i="$1" '$2 == i { l = $0 } END { print l }' "$record"; }

# Continues every unfinished instance of the record from the step it stopped at.
resuming=0
cmd_resume() {
  resuming=1
  setup_run
  local lines line
  lines=$(unfinished_lines)
  [ -n "$lines" ] || { say "the record $record has no unfinished instance; nothing to do"; return 0; }
  while IFS= read -r line; do
    load_line "$line"
    read_instance "$id" || { echo "FAILED $id: cannot read it; nothing was changed." >&2; results+=("failed $id"); failed=$((failed + 1)); continue; }
    tag_original_saved=$tag_original
    load_line "$line"; tag_original=$tag_original_saved
    read_volume "$vol" || true
    worker_az=$az
    say "$id: resuming at step '$step'"
    local from=$step
    [ "$from" = read ] && from=stop
    finish_instance "$from" </dev/null
  done <<<"$lines"
  id=""
  print_summary 0 "$failed" "instance(s)" "$record has every volume, snapshot and command ID" "${results[@]}"
}

# Puts every unfinished instance of the record in a safe state without repairing anything:
# no command runs on its copy, the copy is off the worker, the instance has a root volume.
# Running it again changes nothing.
cmd_cleanup() {
  setup_run
  local lines line s problems=0
  lines=$(unfinished_lines)
  [ -n "$lines" ] || { say "the record $record has no unfinished instance; nothing to clean up"; return 0; }
  while IFS= read -r line; do
    load_line "$line"
    local ok=1
    say "$id: cleaning up after step '$step'"
    if [ -n "$cmd_id" ] && [ "$via" = ssm ]; then
      if ! poll_command "$cmd_id" 0; then
        say "$id: SSM command $cmd_id is '$cmd_status'; cancelling it"
        aws_ ssm cancel-command --command-id "$cmd_id" --instance-ids "$worker" >/dev/null || true
        poll_command "$cmd_id" "$cancel_timeout" || ok=0
      fi
    fi
    if [ "$ok" = 1 ] && [ -n "$copy" ]; then
      s=$(volume_state "$copy") || s=unknown
      if [[ "$s" == "in-use "*" $worker "* ]]; then
        if [ "$via" = ssm ] && ! device_free_on_worker; then
          ok=0; say "$id: $worker still holds $copy; it stays attached"
        else
          aws_ ec2 detach-volume --volume-id "$copy" --instance-id "$worker" --output text >/dev/null && wait_available "$copy" || ok=0
        fi
      fi
    fi
    if [ "$ok" = 1 ]; then
      s=$(aws_ ec2 describe-instances --instance-ids "$id" --output text \
        --query "Reservations[0].Instances[0].BlockDeviceMappings[?DeviceName=='$root_dev'].Ebs.VolumeId | [0]") || s=unknown
      if [ "$s" = None ] || [ -z "$s" ]; then
        say "$id: has no root volume; putting the original $vol back as $root_dev"
        if [[ "$(volume_state "$vol")" == available* ]] &&
           aws_ ec2 attach-volume --volume-id "$vol" --instance-id "$id" --device "$root_dev" --output text >/dev/null &&
           wait_attached "$vol" "$id" "$root_dev"; then
          aws_ ec2 modify-instance-attribute --instance-id "$id" \
            --block-device-mappings "[{\"DeviceName\":\"$root_dev\",\"Ebs\":{\"DeleteOnTermination\":$(dot_json)}}]" || true
        else
          ok=0
        fi
      fi
    fi
    if [ "$ok" = 1 ]; then
      result=x; record_line cleaned
      echo "CLEANED $id: stopped on root ${s:-$vol}; nothing runs on ${copy:-its copy}${copy:+, which is detached (delete it when done)}."
      [ -n "$asg_group" ] && echo "  It is in Standby in $asg_group: aws autoscaling exit-standby --instance-ids $id --auto-scaling-group-name $asg_group"
      echo "  Start it: aws ec2 start-instances --instance-ids $id, or repair it again with fix --instance-id $id."
    else
      problems=$((problems + 1))
      echo "NOT CLEANED $id: see the messages above; run cleanup again later (it changes nothing that is already safe)."
    fi
  done <<<"$lines"
  id=""
  [ "$problems" = 0 ]
}

# Rollback: the original root volume (kept detached by fix) goes back as root; with --snapshot,
# or when the original no longer exists, a new volume from the snapshot with the current root's
# type, size, iops and throughput and the snapshot's KMS key.
cmd_rollback() {
  [ "${#ids[@]}" -eq 1 ] || usage_error "rollback needs exactly one --instance-id"
  setup_run
  id=${ids[0]}
  local current target="" from="" s
  read_instance "$id" || die "cannot read instance $id or its root volume"
  current=$vol
  read_volume "$current" || die "cannot read the current root volume $current of $id"
  if [ -z "$rollback_snapshot" ] && [ -n "$tag_original" ]; then
    if s=$(aws_ ec2 describe-volumes --volume-ids "$tag_original" --query "Volumes[0].[State, Tags[?Key=='bootmedic-delete-on-termination'].Value | [0]]" --output text 2>/dev/null); then
      target=$tag_original from="the original root volume"
      read -r s restore_dot <<<"$s" || true
      [ "$s" = available ] || die "the original $tag_original is '$s', not available (detached); detach it from where it is, then run this again"
    else
      rollback_snapshot=$(aws_ ec2 describe-instances --instance-ids "$id" --output text \
        --query "Reservations[0].Instances[0].Tags[?Key=='bootmedic-original-snapshot'].Value | [0]") || rollback_snapshot=None
      [[ "$rollback_snapshot" == snap-* ]] || die "the original $tag_original no longer exists and no snapshot is recorded; give one with --snapshot snap-..."
      say "the original $tag_original no longer exists; using its snapshot $rollback_snapshot"
    fi
  fi
  [ -n "$target$rollback_snapshot" ] || die "$id has no bootmedic-original-root tag (not remediated by this script, or already rolled back); give --snapshot snap-..."
  [ -n "$target" ] || from="a new volume from $rollback_snapshot"
  restore_dot=${restore_dot:-$dot}
  [ "$restore_dot" = None ] && restore_dot=$dot
  echo "ROLLBACK $id: root $current at $root_dev -> ${target:-$from}${target:+ ($from)}"
  if [ "$dry_run" = 1 ]; then
    echo "DRY RUN: would stop $id, put it in as $root_dev, start. Nothing was changed."
    return 0
  fi
  read_asg "$id" || die "cannot read the Auto Scaling membership of $id; nothing was changed"
  [ -z "$asg_group" ] || [ "$asg_standby" = 1 ] || die "$id is in the Auto Scaling group $asg_group: pass --asg-standby; nothing was changed"
  if [ -z "$target" ]; then
    local snapkms
    wait_for "$snapshot_timeout" completed error ec2 describe-snapshots --snapshot-ids "$rollback_snapshot" --query "Snapshots[0].State" --output text ||
      die "snapshot $rollback_snapshot is '$last_value', not completed; nothing was changed"
    snapkms=$(aws_ ec2 describe-snapshots --snapshot-ids "$rollback_snapshot" --query "Snapshots[0].[Encrypted, KmsKeyId, VolumeSize]" --output text) ||
      die "cannot read snapshot $rollback_snapshot; nothing was changed"
    local senc skms ssize
    read -r senc skms ssize <<<"$snapkms" || true
    encrypted=$senc kms_key=$skms
    [ "$ssize" -gt "$vsize" ] 2>/dev/null && vsize=$ssize
    copy_options
    target=$(aws_ ec2 create-volume --snapshot-id "$rollback_snapshot" --availability-zone "$az" "${copy_opts[@]}" \
      --tag-specifications "ResourceType=volume,Tags=[{Key=bootmedic-rollback-of,Value=$id}]" --query VolumeId --output text) ||
      die "create-volume failed; nothing was changed"
    wait_available "$target" || die "the new volume $target is '$last_value'; nothing else was changed"
  fi
  step=stop recording=0
  run_steps stop snapshot || die "$id did not stop; nothing else was changed"
  aws_ ec2 detach-volume --volume-id "$current" --instance-id "$id" --output text >/dev/null || die "detach of $current failed; $id is stopped on it"
  wait_available "$current" || die "the detach of $current did not finish ('$last_value'); then attach $target as $root_dev"
  aws_ ec2 attach-volume --volume-id "$target" --instance-id "$id" --device "$root_dev" --output text >/dev/null ||
    die "attach of $target failed; $id has no root volume: aws ec2 attach-volume --volume-id $current --instance-id $id --device $root_dev"
  wait_attached "$target" "$id" "$root_dev" || die "the attach of $target did not finish ('$last_value'); check it in the console"
  aws_ ec2 modify-instance-attribute --instance-id "$id" \
    --block-device-mappings "[{\"DeviceName\":\"$root_dev\",\"Ebs\":{\"DeleteOnTermination\":$(dot=$restore_dot dot_json)}}]" ||
    warn "could not set DeleteOnTermination=$restore_dot on $target"
  aws_ ec2 create-tags --resources "$current" --tags Key=bootmedic-role,Value=rolled-back-copy || true
  aws_ ec2 delete-tags --resources "$id" --tags Key=bootmedic-original-root Key=bootmedic-original-snapshot Key=bootmedic-remediated || true
  do_start || die "$id did not start: aws ec2 start-instances --instance-ids $id"
  recording=1 step=rollback copy=$current vol=$target snap=$rollback_snapshot cmd_id="" worker=""
  record_line rolled-back
  echo "ROLLED BACK $id: running on $target ($from). The repaired volume $current is detached (delete it when done)."
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
