#!/usr/bin/env bash
# Throughput of 'bootmedic batch' on many small disk images, as a mass remediation (a host with a
# folder of exported VHDs, a Kubernetes shard) would run it: 50 practice Windows disks (GPT, EFI,
# MSR, NTFS with the faulty CrowdStrike channel file), fixed with --parallel 1 and --parallel 2.
# Prints images/minute for each, and the single-image 'fix --image' time beside it.
# Env: IMAGES (default 50), SIZE_MIB (default 256), RUNS for the single-image median (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
images=${IMAGES:-50}
size_mib=${SIZE_MIB:-256}
runs=${RUNS:-3}

bash scripts/setup-debian.sh demo images
[ -f target/bootmedic.jar ] || ./mvnw -B -q -ntp -DskipTests package
jvm=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar target/bootmedic.jar)

work=$(mktemp -d /tmp/bootmedic-bench-batch.XXXXXX)
trap 'rm -rf "$work"' EXIT

# One real practice disk, then sparse copies of it: every copy is a full NTFS image with the
# faulty file, and building 50 of them this way takes seconds instead of 50 JVM starts.
make_master() {
  bash scripts/make-practice-disk.sh "$work/master.img" "$size_mib"
  "${jvm[@]}" practice-tree --image "$work/master.img" >/dev/null
}
fresh_set() { # DIR
  rm -rf "$1"
  mkdir -p "$1"
  local i
  for i in $(seq -w 1 "$images"); do
    cp --sparse=always "$work/master.img" "$1/vm-$i.img"
  done
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
echo "images: $images x ${size_mib} MiB sparse practice disks (GPT + NTFS, faulty C-00000291*.sys present)"
make_master

single=()
for i in $(seq "$runs"); do
  cp --sparse=always "$work/master.img" "$work/one.img"
  t0=$(now)
  rc=0
  "${jvm[@]}" fix --image "$work/one.img" >"$work/one.log" 2>&1 || rc=$?
  t1=$(now)
  if [ "$rc" -ne 0 ]; then
    echo "single fix --image failed (exit $rc):" >&2
    cat "$work/one.log" >&2
    exit 1
  fi
  single+=("$(elapsed "$t0" "$t1")")
done
single_median=$(printf '%s\n' "${single[@]}" | median_of)

results=()
for parallel in 1 2; do
  fresh_set "$work/set"
  t0=$(now)
  rc=0
  "${jvm[@]}" batch --images "$work/set" --parallel "$parallel" --state "$work/state-$parallel.json" \
    --outbox "$work/outbox-$parallel" >"$work/batch-$parallel.log" 2>&1 || rc=$?
  t1=$(now)
  secs=$(elapsed "$t0" "$t1")
  fixed=$(grep -c '^\[[0-9]*/[0-9]*\] *fixed' "$work/batch-$parallel.log" || true)
  if [ "$rc" -ne 0 ]; then
    echo "batch --parallel $parallel did not finish clean (exit $rc); last lines:" >&2
    tail -n 15 "$work/batch-$parallel.log" >&2
    exit 1
  fi
  rate=$(awk -v n="$images" -v s="$secs" 'BEGIN {printf "%.1f", n * 60 / s}')
  per=$(awk -v n="$images" -v s="$secs" 'BEGIN {printf "%.2f", s / n}')
  results+=("batch --parallel $parallel: $images images in $secs s = $rate images/min ($per s/image, $fixed reported fixed)")
  # the repair is real: a fresh look at the first and the last image finds nothing left to fix
  for img in "$work/set/vm-$(seq -w 1 "$images" | head -n 1).img" "$work/set/vm-$images.img"; do
    "${jvm[@]}" scan --image "$img" >"$work/scan.log" 2>&1 ||
      { echo "after batch --parallel $parallel, $img still needs work:" >&2; cat "$work/scan.log" >&2; exit 1; }
  done
  rm -rf "$work/set"
done

echo
printf '%s\n' "${results[@]}"
single_rate=$(awk -v s="$single_median" 'BEGIN {printf "%.1f", 60 / s}')
echo "single fix --image (new JVM per image, median of $runs): $single_median s = $single_rate images/min"
