#!/usr/bin/env bash
# The cost of one registry edit on a 15 MB SYSTEM hive (Windows 10's, from ../shared/testdata), whole process against
# whole process: 'bootmedic fix --root' with a one-value set-registry playbook (log replay, edit, re-read, journal,
# two renames) beside hivex's own writer doing the same edit ('hivexsh -w' setval + commit) and a bare JVM start.
# Prints medians over RUNS runs (default 7) and the peak resident memory of each.
# The shared hive is dirty with no logs (bootmedic rightly refuses it): the copy used here has its second sequence
# number set equal to the first and its checksum recomputed, which changes nothing an edit's cost depends on.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-7}
shared=${BOOTMEDIC_SHARED:-../shared}/testdata/registry/regipy/SYSTEM_WIN_10_1709.xz
[ -f "$shared" ] || { echo "needs $shared (the shared test data)" >&2; exit 1; }
[ -f target/bootmedic.jar ] || ./mvnw -B -q -ntp -DskipTests package
jar=target/bootmedic.jar
work=$(mktemp -d /tmp/bootmedic-bench-hive.XXXXXX)
trap 'rm -rf "$work"' EXIT

xz -dc "$shared" > "$work/SYSTEM"
python3 - "$work/SYSTEM" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
seq1 = struct.unpack_from('<I', b, 4)[0]
struct.pack_into('<I', b, 8, seq1)
x = 0
for i in range(0, 508, 4):
    x ^= struct.unpack_from('<I', b, i)[0]
struct.pack_into('<I', b, 508, 1 if x == 0 else 0xFFFFFFFE if x == 0xFFFFFFFF else x)
open(p, 'wb').write(b)
PY
cat > "$work/pb.json" <<'JSON'
{"id":"bench","title":"one value","rules":[{"id":"crash","action":"set-registry","hive":"SYSTEM",
 "key":"CurrentControlSet\\Control\\CrashControl","value":"AutoReboot","type":"REG_DWORD","data":0}]}
JSON
printf 'cd \\ControlSet001\\Control\\CrashControl\nsetval 1\nAutoReboot\ndword:0x00000000\ncommit\n' > "$work/hivexsh.txt"

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

launch=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
tree() { rm -rf "$work/t"; java -jar "$jar" practice-tree "$work/t" >/dev/null; cp "$work/SYSTEM" "$work/t/Windows/System32/config/SYSTEM"; }
jvm=() bm=() bmc2=() hx=()
for _ in $(seq "$runs"); do
  jvm+=("$(ms "${launch[@]}" -version)")
  tree
  bm+=("$(ms "${launch[@]}" -jar "$jar" fix --root "$work/t" --playbook "$work/pb.json" --allow-unsigned-playbook)")
  tree
  bmc2+=("$(ms java -jar "$jar" fix --root "$work/t" --playbook "$work/pb.json" --allow-unsigned-playbook)")
  cp "$work/SYSTEM" "$work/hx"
  hx+=("$(ms hivexsh -w -f "$work/hivexsh.txt" "$work/hx")")
done
tree
bm_rss=$(rss "${launch[@]}" -jar "$jar" fix --root "$work/t" --playbook "$work/pb.json" --allow-unsigned-playbook)
[ "$(hivexget "$work/t/Windows/System32/config/SYSTEM" '\ControlSet001\Control\CrashControl' AutoReboot)" = 0 ] || { echo "bootmedic did not make the edit" >&2; exit 1; }
cp "$work/SYSTEM" "$work/hx"
hx_rss=$(rss hivexsh -w -f "$work/hivexsh.txt" "$work/hx")
echo "hive: $(stat -c %s "$work/SYSTEM") bytes (Windows 10 SYSTEM); runs: $runs on $(nproc) cores"
echo "bare JVM start:                          median $(printf '%s\n' "${jvm[@]}" | median) ms"
echo "bootmedic fix --root, launcher flags:    median $(printf '%s\n' "${bm[@]}" | median) ms, peak RSS ${bm_rss} KB"
echo "the same, plain java -jar (C2 JIT):     median $(printf '%s\n' "${bmc2[@]}" | median) ms"
echo "hivexsh -w setval + commit (hivex 1.3):  median $(printf '%s\n' "${hx[@]}" | median) ms, peak RSS ${hx_rss} KB"
