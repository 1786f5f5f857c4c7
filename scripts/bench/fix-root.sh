#!/usr/bin/env bash
# Whole-process time of 'bootmedic fix --root' on a practice tree, beside a bare JVM start.
# Prints medians over RUNS runs (default 15). Target: fix within 3x of 'java -version'.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-15}
[ -f target/bootmedic.jar ] || ./mvnw -B -q -ntp -DskipTests package
jar=target/bootmedic.jar
work=$(mktemp -d /tmp/bootmedic-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

ms() { # run a command, print its wall time in milliseconds
  local t0 t1
  t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

# the launcher keeps a class-data-sharing archive per jar; make it once, as a first real run would
export BOOTMEDIC_CACHE="$work/cache"
java -jar "$jar" practice-tree "$work/warm" >/dev/null
agent/bootmedic fix --root "$work/warm" >/dev/null || true

launch=(java -XX:CompileThresholdScaling=5) # the launcher's JIT flags (agent/bootmedic)
jvm=() fix=() fixdefault=()
for i in $(seq "$runs"); do
  java -jar "$jar" practice-tree "$work/t$i" >/dev/null
  cp -a "$work/t$i" "$work/u$i"
  jvm+=("$(ms "${launch[@]}" -version)")
  fix+=("$(ms agent/bootmedic fix --root "$work/t$i")")
  fixdefault+=("$(ms java -jar "$jar" fix --root "$work/u$i")")
done
jvm_med=$(printf '%s\n' "${jvm[@]}" | median)
fix_med=$(printf '%s\n' "${fix[@]}" | median)
def_med=$(printf '%s\n' "${fixdefault[@]}" | median)
echo "runs: $runs on $(nproc) cores, $(java -version 2>&1 | head -1)"
echo "bare JVM start (java -version, launcher flags): median ${jvm_med} ms"
echo "bootmedic fix --root (agent/bootmedic launcher, CDS archive): median ${fix_med} ms"
echo "bootmedic fix --root (plain java -jar):            median ${def_med} ms"
awk -v a="$fix_med" -v b="$jvm_med" 'BEGIN { printf "ratio fix / bare JVM: %.2fx (target <= 3x)\n", a / b }'
