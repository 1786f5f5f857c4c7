#!/usr/bin/env bash
# Renders scripts/k8s/bootmedic-batch-job.yaml.tmpl into a ConfigMap with the image list of each
# shard and an Indexed Job that runs 'bootmedic batch' on one shard per index, over the disk
# images on a PersistentVolumeClaim. The list is fixed here, at render time: every image is in
# exactly one shard, whatever is added to or removed from the volume later.
#
#   render.sh --image REGISTRY/bootmedic:TAG --pvc CLAIM (--list FILE | --scan DIR) [--shards N]
#             [--parallelism P] [--per-pod N] [--name NAME] [--namespace NS] [--secret NAME]
#             [--backoff N] [-o FILE]
#
#   --list FILE      the images to repair, one file name per line as it is in the volume's top
#                    folder (or /images/NAME); '#' lines and blank lines are skipped
#   --scan DIR       list the images in DIR yourself (the volume mounted on this machine): *.vhd,
#                    *.vhdx, *.img, *.raw, *.bin, *.dd, *.qcow2, *.qcow, *.vmdk, *.vdi, leaving out
#                    the base images of qcow2 overlays
#   --shards N       completions: how many slices the images are cut into (default 4; at most
#                    one per image)
#   --parallelism P  how many pods run at once (default: = shards)
#   --per-pod N      bootmedic batch --parallel inside each pod, and its CPU request (default 1)
#   --backoff N      backoffLimitPerIndex: retries of one shard before it is marked failed (default 2)
#   --secret NAME    optional secret mounted at /etc/bootmedic: agent.conf (collector),
#                    keys.bmk + passphrase (BitLocker key bundle) (default bootmedic-keys)
# Needs Kubernetes 1.29 or later (see the comment at the top of the rendered file).
# Then: kubectl apply -f FILE; kubectl -n NS get pods -l app.kubernetes.io/instance=NAME
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name=bootmedic-batch namespace=default image="" pvc="" shards=4 parallelism="" per_pod=1
secret=bootmedic-keys backoff=2 out="" list="" scan=""

fail() { echo "render: $1" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --image | --pvc | --list | --scan | --shards | --parallelism | --per-pod | --name | --namespace | --secret | --backoff | -o | --output)
      [ $# -ge 2 ] || fail "$1 needs a value (see --help)" ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
  case "$1" in
    --image) image=$2 ;;
    --pvc) pvc=$2 ;;
    --list) list=$2 ;;
    --scan) scan=$2 ;;
    --shards) shards=$2 ;;
    --parallelism) parallelism=$2 ;;
    --per-pod) per_pod=$2 ;;
    --name) name=$2 ;;
    --namespace) namespace=$2 ;;
    --secret) secret=$2 ;;
    --backoff) backoff=$2 ;;
    -o | --output) out=$2 ;;
  esac
  shift 2
done

[ -n "$image" ] || fail "--image is required (a container image with java 17, libntfs-3g and bootmedic on PATH; see scripts/k8s/Dockerfile)"
[ -n "$pvc" ] || fail "--pvc is required (the PersistentVolumeClaim holding the disk images)"
if [ -n "$list" ] && [ -n "$scan" ]; then fail "give --list FILE or --scan DIR, not both"; fi
[ -n "$list$scan" ] || fail "say which images: --list FILE (one file name per line) or --scan DIR (the volume mounted here). The list is fixed now so that no image lands in two shards."
positive() { [[ "$2" =~ ^[1-9][0-9]{0,4}$ ]] || fail "$1 must be a whole number from 1 to 99999, not '$2'"; }
positive --shards "$shards"
[ -z "$parallelism" ] || positive --parallelism "$parallelism"
positive --per-pod "$per_pod"
[[ "$backoff" =~ ^[0-9]{1,4}$ ]] || fail "--backoff must be a whole number from 0 to 9999, not '$backoff'"
dns() { [[ "$2" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || fail "$1 must be a lowercase DNS label, not '$2'"; }
# the ConfigMap is NAME-shards and pods are NAME-INDEX-xxxxx: keep NAME short enough for both
[[ "$name" =~ ^[a-z0-9]([-a-z0-9]{0,44}[a-z0-9])?$ ]] || fail "--name must be a lowercase DNS label of at most 46 characters, not '$name'"
dns --namespace "$namespace"
dns --secret "$secret"
[[ "$pvc" =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]] || fail "--pvc must be a lowercase resource name, not '$pvc'"
if ! [[ "$image" =~ ^[A-Za-z0-9][A-Za-z0-9._/:@_-]*$ ]] || [[ "$image" == *@*@* ]]; then
  fail "--image has characters an image reference cannot have: '$image'"
fi

exts='vhd|vhdx|img|raw|bin|dd|qcow2|qcow|vmdk|vdi'

# The backing file named in a qcow2 header (offset 8: 8-byte offset, 16: 4-byte size), if any.
qcow2_backing() { # FILE
  local magic off size
  magic=$(od -An -N4 -tx1 -- "$1" 2>/dev/null | tr -d ' \n')
  [ "$magic" = 514649fb ] || return 0
  off=$((16#$(od -An -j8 -N8 -tx1 -- "$1" | tr -d ' \n')))
  size=$((16#$(od -An -j16 -N4 -tx1 -- "$1" | tr -d ' \n')))
  if [ "$off" -eq 0 ] || [ "$size" -eq 0 ] || [ "$size" -gt 1023 ]; then return 0; fi
  dd if="$1" bs=1 skip="$off" count="$size" 2>/dev/null
  echo
}

names=$(mktemp)
trap 'rm -f "$names"' EXIT
if [ -n "$scan" ]; then
  [ -d "$scan" ] || fail "--scan $scan is not a folder"
  bases=$(mktemp)
  find "$scan" -maxdepth 1 -type f -regextype posix-extended -iregex ".*\\.($exts)" -printf '%f\n' | LC_ALL=C sort >"$names"
  while IFS= read -r f; do
    case "${f,,}" in *.qcow2 | *.qcow) qcow2_backing "$scan/$f" | sed 's|.*/||' ;; esac
  done <"$names" | grep -v '^$' | LC_ALL=C sort -u >"$bases" || true
  if [ -s "$bases" ]; then
    echo "render: left out $(wc -l <"$bases") base image(s) of qcow2 overlays (writing to one would corrupt its overlays): $(tr '\n' ' ' <"$bases")" >&2
    LC_ALL=C comm -23 "$names" "$bases" >"$names.keep" && mv "$names.keep" "$names"
  fi
  rm -f "$bases"
else
  [ -r "$list" ] || fail "cannot read --list $list"
  sed -e 's/\r$//' -e 's|^/images/||' -- "$list" | grep -v -e '^[[:space:]]*$' -e '^[[:space:]]*#' | LC_ALL=C sort -u >"$names" || true
fi
lineno=0
while IFS= read -r f; do
  lineno=$((lineno + 1))
  if ! [[ "$f" =~ ^[A-Za-z0-9_][^/\\[:cntrl:]]*[^/\\[:cntrl:][:space:]]$ ]] || [[ "$f" == *..* ]]; then
    fail "image name '$f' cannot be used: a file name in the volume's top folder, starting with a letter, digit or _, without / \\ .. or control characters"
  fi
  shopt -s nocasematch
  [[ "$f" =~ \.($exts)$ ]] || { shopt -u nocasematch; fail "'$f' is not a disk image name (.vhd .vhdx .img .raw .bin .dd .qcow2 .qcow .vmdk .vdi)"; }
  shopt -u nocasematch
done <"$names"
count=$(grep -c . "$names" || true)
[ "$count" -gt 0 ] || fail "no images to repair in ${list:-$scan}"
if [ "$shards" -gt "$count" ]; then
  echo "render: $count image(s): $count shard(s) instead of $shards" >&2
  shards=$count
fi
parallelism=${parallelism:-$shards}
[ "$parallelism" -le "$shards" ] || fail "--parallelism ($parallelism) above the shard count ($shards) would leave pods idle"

# shard k = the images at positions k, k+N, k+2N... of the sorted list; as ConfigMap data
shard_data=$(awk -v n="$shards" '
  { s = (NR - 1) % n; lines[s] = lines[s] "      /images/" $0 "\n" }
  END {
    for (k = 0; k < n; k++) {
      if (k in lines) { printf "  shard-%d: |\n%s", k, lines[k] } else { printf "  shard-%d: \"\"\n", k }
    }
  }' "$names")
shard_data=${shard_data%$'\n'}
# a ConfigMap holds at most 1 MiB
[ "${#shard_data}" -lt 1000000 ] || fail "the image list is too long for one ConfigMap (1 MiB): split it into several lists and render one Job per list (--name)"

rendered=$(<"$here/bootmedic-batch-job.yaml.tmpl")
for kv in "NAME=$name" "NAMESPACE=$namespace" "IMAGE=$image" "PVC=$pvc" "COMPLETIONS=$shards" \
  "PARALLELISM=$parallelism" "PER_POD=$per_pod" "SECRET=$secret" "BACKOFF=$backoff"; do
  rendered=${rendered//@${kv%%=*}@/${kv#*=}}
done
if grep -v '@SHARD_DATA@' <<<"$rendered" | grep -q '@[A-Z_]*@'; then fail "template placeholder left unfilled: $(grep -v '@SHARD_DATA@' <<<"$rendered" | grep -o '@[A-Z_]*@' | head -n 1)"; fi
# the image names last, so that nothing in them is taken for a placeholder
rendered=${rendered//@SHARD_DATA@/$shard_data}
if [ -n "$out" ]; then
  printf '%s\n' "$rendered" >"$out"
  echo "render: wrote $out ($count image(s) in $shards shards, $parallelism at a time, $per_pod per pod). Apply: kubectl apply -f $out; then check: kubectl -n $namespace get job $name -o jsonpath='{.spec.podReplacementPolicy}' prints Failed" >&2
else
  printf '%s\n' "$rendered"
fi
