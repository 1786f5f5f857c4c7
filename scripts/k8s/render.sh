#!/usr/bin/env bash
# Renders scripts/k8s/bootmedic-batch-job.yaml.tmpl into an Indexed Job that splits
# 'bootmedic batch' over the disk images on a PersistentVolumeClaim.
#
#   render.sh --image REGISTRY/bootmedic:TAG --pvc CLAIM [--shards N] [--parallelism P]
#             [--per-pod N] [--name NAME] [--namespace NS] [--secret NAME] [--backoff N] [-o FILE]
#
#   --shards N       completions: how many slices the images are cut into (default 4)
#   --parallelism P  how many pods run at once (default: = shards)
#   --per-pod N      bootmedic batch --parallel inside each pod, and its CPU request (default 1)
#   --secret NAME    optional secret mounted at /etc/bootmedic: agent.conf (collector),
#                    keys.bmk + passphrase (BitLocker key bundle) (default bootmedic-keys)
# Then: kubectl apply -f FILE; kubectl -n NS get pods -l app.kubernetes.io/name=bootmedic-batch
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name=bootmedic-batch namespace=default image="" pvc="" shards=4 parallelism="" per_pod=1
secret=bootmedic-keys backoff="" out=""

fail() { echo "render: $1" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=${2:?}; shift 2 ;;
    --pvc) pvc=${2:?}; shift 2 ;;
    --shards) shards=${2:?}; shift 2 ;;
    --parallelism) parallelism=${2:?}; shift 2 ;;
    --per-pod) per_pod=${2:?}; shift 2 ;;
    --name) name=${2:?}; shift 2 ;;
    --namespace) namespace=${2:?}; shift 2 ;;
    --secret) secret=${2:?}; shift 2 ;;
    --backoff) backoff=${2:?}; shift 2 ;;
    -o | --output) out=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
done
parallelism=${parallelism:-$shards}
backoff=${backoff:-$shards}

[ -n "$image" ] || fail "--image is required (a container image with java 17, libntfs-3g and bootmedic on PATH; see scripts/k8s/Dockerfile)"
[ -n "$pvc" ] || fail "--pvc is required (the PersistentVolumeClaim holding the disk images)"
positive() { [[ "$2" =~ ^[1-9][0-9]{0,4}$ ]] || fail "$1 must be a whole number from 1 to 99999, not '$2'"; }
positive --shards "$shards"
positive --parallelism "$parallelism"
positive --per-pod "$per_pod"
positive --backoff "$backoff"
[ "$parallelism" -le "$shards" ] || fail "--parallelism ($parallelism) above --shards ($shards) would leave pods idle"
dns() { [[ "$2" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || fail "$1 must be a lowercase DNS label, not '$2'"; }
dns --name "$name"
dns --namespace "$namespace"
dns --secret "$secret"
[[ "$pvc" =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]] || fail "--pvc must be a lowercase resource name, not '$pvc'"
[[ "$image" =~ ^[A-Za-z0-9][A-Za-z0-9._/:@-]*$ ]] || fail "--image has characters an image reference cannot have: '$image'"

rendered=$(sed -e "s|@NAME@|$name|g" -e "s|@NAMESPACE@|$namespace|g" -e "s|@IMAGE@|$image|g" \
  -e "s|@PVC@|$pvc|g" -e "s|@COMPLETIONS@|$shards|g" -e "s|@PARALLELISM@|$parallelism|g" \
  -e "s|@PER_POD@|$per_pod|g" -e "s|@SECRET@|$secret|g" -e "s|@BACKOFF@|$backoff|g" \
  "$here/bootmedic-batch-job.yaml.tmpl")
if grep -q '@[A-Z_]*@' <<<"$rendered"; then fail "template placeholder left unfilled: $(grep -o '@[A-Z_]*@' <<<"$rendered" | head -n 1)"; fi
if [ -n "$out" ]; then
  printf '%s\n' "$rendered" >"$out"
  echo "render: wrote $out ($shards shards, $parallelism at a time, $per_pod per pod). Apply: kubectl apply -f $out" >&2
else
  printf '%s\n' "$rendered"
fi
