#!/usr/bin/env bash
# BitLocker figures, whole process against whole process (every row run in turn with the others,
# median wall and CPU time of RUNS rounds):
#   1. unlock with a recovery password: 'bootmedic scan --image VOL --key-file' (java -jar, and
#      the agent/bootmedic launcher with its class-data-sharing archive) beside libbde's
#      'bdeinfo -r', on a BitLocker volume holding the practice tree (built by bench/BitLockerDisk);
#      bootmedic has no unlock-only command: scan unlocks, then opens NTFS and reads the folder.
#   2. metadata without a key: 'bootmedic bitlocker info' beside 'bdeinfo' and 'dislocker-metadata';
#   3. unlock and decrypt the whole 100 MiB volume to a file: 'bootmedic bitlocker decrypt' beside
#      'dislocker-file' (both outputs must have the SHA-256 listed in images.conf);
# 2 and 3 on the Windows-made XTS-AES-128 volume of ../shared/testdata/bitlocker. Then, in-process
# (JVM already running, labelled so): the unlock alone, and the sector layer's decrypt (read) and
# encrypt (write) throughput for XTS-AES-128/256, AES-CBC and AES-CBC + Elephant, beside
# 'openssl speed' for the same AES modes.
#
#   scripts/bench/bitlocker.sh        env: RUNS (default 5), THROUGHPUT=0 (skip the throughput part),
#                                          COMPARE=DIR (another build's launcher DIR/bootmedic, beside its
#                                          bootmedic.jar, measured in the same rounds: before and after)
# The peers take the (public, test-fixture) recovery passwords on their command lines, as they
# only can; bootmedic reads them from a key file.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-5}
bash scripts/setup-debian.sh build disks oracles # bdeinfo, dislocker beside bootmedic
archive=../shared/testdata/bitlocker/bitlk-images.tar.xz
[ -f "$archive" ] || { echo "needs $archive (the shared test data)" >&2; exit 1; }
work=$(mktemp -d /tmp/bootmedic-bench-bitlk.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xJSf "$archive" -C "$work"
d="$work/bitlk-images"
img="$d/bitlk-aes-xts-128.img"
rp=235818-357951-253979-013365-241120-245575-342914-591910
printf 'KeyID,RecoveryPassword\n64311DEA-4587-4029-924A-BA299647998E,%s\n' "$rp" >"$work/win-keys.csv"
sha=$(awk '/^\[bitlk-aes-xts-128\]$/ {s = 1; next} /^\[/ {s = 0} s && /^SHA256SUM=/ {sub(/^SHA256SUM=/, ""); print}' "$d/images.conf")

{ [ -f target/bootmedic.jar ] && [ -f target/bootmedic-agent.jar ]; } || ./mvnw -B -q -ntp -DskipTests package
# one Maven run: the app module's classpath then names the other modules' target/classes
./mvnw -B -q -ntp -Dstyle.color=never -DskipTests -pl modules/core test-compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath" >"$work/mvn.log" 2>&1 || { cat "$work/mvn.log" >&2; exit 1; }
cp="modules/core/target/test-classes:modules/core/target/classes:$(cat "$work/classpath")"
jar=(java -jar target/bootmedic.jar)
export BOOTMEDIC_CACHE="$work/cache"

# the practice volume: mkntfs, the practice tree, encrypted by BitLockerDisk (keys written to files)
truncate -s 100M "$work/plain.ntfs"
mkntfs -F -f -Q -q -L Windows "$work/plain.ntfs" >/dev/null 2>&1
"${jar[@]}" practice-tree --image "$work/plain.ntfs" >/dev/null
java -cp "$cp" io.bootmedic.bench.BitLockerDisk "$work/plain.ntfs" "$work/practice.bde" "$work/practice-keys.csv" "$work/practice-rp" >/dev/null
rm -f "$work/plain.ntfs"
prp=$(cat "$work/practice-rp")
# the launcher makes its class-data-sharing archive on its first run: of the first command measured
agent/bootmedic scan --image "$work/practice.bde" --key-file "$work/practice-keys.csv" >/dev/null 2>&1 || true
# what boot media carry: the same launcher beside the agent jar (3.9 MB, 2,000 entries, against the
# whole jar's 66,000: every start reads a jar's index once), with its own archive
mkdir -p "$work/agent"
cp agent/bootmedic "$work/agent/bootmedic"
cp target/bootmedic-agent.jar "$work/agent/bootmedic.jar"
media=(env "BOOTMEDIC_CACHE=$work/cache-agent" "$work/agent/bootmedic")
"${media[@]}" scan --image "$work/practice.bde" --key-file "$work/practice-keys.csv" >/dev/null 2>&1 || true
other=()
if [ -n "${COMPARE:-}" ]; then
  # its own cache: an archive made for one jar path is silently ignored for another
  other=(env "BOOTMEDIC_CACHE=$work/cache-compare" "$COMPARE/bootmedic")
  "${other[@]}" scan --image "$work/practice.bde" --key-file "$work/practice-keys.csv" >/dev/null 2>&1 || true
fi

# Rows are measured together: one warm-up run of each (discarded: page cache, the launcher's
# archive), then RUNS rounds that run every row once in turn, so a change of load on the shared
# machine reaches every row alike. Per row: median wall ms and median CPU ms (user + system, all
# threads: a JVM compiles on other threads while the main one works). After each run CHECK must
# pass (its argument: the exit code; the output is in $work/out). Bash's own 'time' gives both
# figures, children included.
rows=() checks=()
row() { # CHECK 'CMD ARGS...' (split at spaces: the paths in it have none)
  checks+=("$1")
  rows+=("$2")
}
measure() {
  local i k rc cmd t
  local TIMEFORMAT='%3R %3U %3S'
  walls=() cpus=()
  for ((i = 0; i <= runs; i++)); do
    for k in "${!rows[@]}"; do
      read -ra cmd <<<"${rows[$k]}"
      rc=0
      { time "${cmd[@]}" >"$work/out" 2>&1; } 2>"$work/time" || rc=$?
      "${checks[$k]}" "$rc" || { echo "'${rows[$k]}' did not do the work (exit $rc): $(head -c 400 "$work/out")" >&2; exit 1; }
      ((i == 0)) && continue
      read -r -a t <"$work/time"
      walls[k]+="$(awk -v r="${t[0]}" 'BEGIN {printf "%d", r * 1000}') "
      cpus[k]+="$(awk -v u="${t[1]}" -v s="${t[2]}" 'BEGIN {printf "%d", (u + s) * 1000}') "
    done
  done
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
wall() { median <<<"${walls[$1]}"; }
cpu() { median <<<"${cpus[$1]}"; }
scan_unlocked() { [ "$1" -eq 1 ] && grep -q would-quarantine "$work/out"; }
bde_unlocked() { [ "$1" -eq 0 ] && grep -q 'Encryption method' "$work/out" && ! grep -q 'Unable to unlock' "$work/out"; }
bde_metadata() { grep -q 'Volume identifier' "$work/out"; }
bm_metadata() { [ "$1" -eq 0 ] && grep -q 8F595209-F5B9-49A0-85D4-CB8F80258C27 "$work/out"; }
dis_metadata() { [ "$1" -eq 0 ] && grep -q 8F595209-F5B9-49A0-85D4-CB8F80258C27 "$work/out"; }
decrypted() {
  local ok=0
  [ "$1" -eq 0 ] && [ "$(sha256sum <"$work/plain.out" | cut -d' ' -f1)" = "$sha" ] || ok=1
  rm -f "$work/plain.out"
  return "$ok"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
line() { # LABEL ROW [NOTE]
  printf '   %-56s %6s ms  (CPU %5s ms)%s\n' "$1" "$(wall "$2")" "$(cpu "$2")" "${3:+  $3}"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the start (shared with other work), $(java -version 2>&1 | head -1)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); libbde $(dpkg-query -W -f='${Version}' libbde-utils), dislocker $(dpkg-query -W -f='${Version}' dislocker)"
echo "whole processes, each row run in turn with the others, median of $runs, wall ms (and CPU ms, all threads):"

launcher=agent/bootmedic
# the rows: java -jar, the launcher, [the other build's launcher,] the peers
compare() { # CHECK ARGS (a bootmedic command line): the row of the other build, when there is one
  [ "${#other[@]}" -eq 0 ] || row "$1" "${other[*]} $2"
}
row scan_unlocked "${jar[*]} scan --image $work/practice.bde --key-file $work/practice-keys.csv"
row scan_unlocked "$launcher scan --image $work/practice.bde --key-file $work/practice-keys.csv"
compare scan_unlocked "scan --image $work/practice.bde --key-file $work/practice-keys.csv"
row bde_unlocked "bdeinfo -r $prp $work/practice.bde"
row bm_metadata "${jar[*]} bitlocker info --image $img"
row bm_metadata "$launcher bitlocker info --image $img"
compare bm_metadata "bitlocker info --image $img"
row bde_metadata "bdeinfo $img"
row dis_metadata "dislocker-metadata -V $img"
row decrypted "${jar[*]} bitlocker decrypt --image $img --key-file $work/win-keys.csv --out $work/plain.out"
row decrypted "$launcher bitlocker decrypt --image $img --key-file $work/win-keys.csv --out $work/plain.out"
compare decrypted "bitlocker decrypt --image $img --key-file $work/win-keys.csv --out $work/plain.out"
row decrypted "dislocker-file -V $img -p$rp $work/plain.out"
row scan_unlocked "${media[*]} scan --image $work/practice.bde --key-file $work/practice-keys.csv"
measure
c=$((${#other[@]} > 0 ? 1 : 0)) # rows after the launcher's move down by one when there is another build
echo "1. unlock, recovery password (practice volume, XTS-AES-128, 100 MiB):"
line "bootmedic scan --image --key-file, java -jar:" 0 "(unlock + NTFS + scan)"
line "bootmedic scan --image --key-file, agent/bootmedic:" 1
((c == 0)) || line "bootmedic scan --image --key-file, $COMPARE/bootmedic:" 2
line "bootmedic scan --image --key-file, launcher + agent jar:" $((10 + 3 * c)) "(what boot media carry)"
line "bdeinfo -r:" $((2 + c)) "(unlock + print)"
echo "   ratio bootmedic/bdeinfo, wall: $(ratio "$(wall 0)" "$(wall $((2 + c)))") (java -jar), $(ratio "$(wall 1)" "$(wall $((2 + c)))") (launcher), $(ratio "$(wall $((10 + 3 * c)))" "$(wall $((2 + c)))") (launcher + agent jar)"
echo "2. metadata, no key (Windows-made bitlk-aes-xts-128):"
line "bootmedic bitlocker info, java -jar:" $((3 + c))
line "bootmedic bitlocker info, agent/bootmedic:" $((4 + c))
((c == 0)) || line "bootmedic bitlocker info, $COMPARE/bootmedic:" $((5 + c))
line "bdeinfo:" $((5 + 2 * c))
line "dislocker-metadata:" $((6 + 2 * c))
echo "3. unlock + decrypt the whole volume to a file (100 MiB, SHA-256 checked against images.conf):"
line "bootmedic bitlocker decrypt --key-file, java -jar:" $((7 + 2 * c))
line "bootmedic bitlocker decrypt --key-file, agent/bootmedic:" $((8 + 2 * c))
((c == 0)) || line "bootmedic bitlocker decrypt --key-file, $COMPARE/bootmedic:" $((9 + 2 * c))
line "dislocker-file -p:" $((9 + 3 * c)) "(ratio java -jar/dislocker $(ratio "$(wall $((7 + 2 * c)))" "$(wall $((9 + 3 * c)))"))"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "in-process (the JVM already running; not comparable with the whole-process figures above):"
if [ "${THROUGHPUT:-1}" = 0 ]; then
  java -cp "$cp" io.bootmedic.bench.BitLockerBench --unlock-only "$img" "$rp"
  exit 0
fi
java -cp "$cp" io.bootmedic.bench.BitLockerBench "$img" "$rp" \
  "$d/bitlk-aes-xts-256.img" anaconda "$d/bitlk-aes-cbc-128.img" anaconda "$d/bitlk-aes-cbc-elephant-128.img" anaconda
for alg in aes-128-xts aes-256-xts aes-128-cbc; do
  for dir in "" -decrypt; do
    # shellcheck disable=SC2086 # $dir is empty or one flag
    openssl speed -evp "$alg" $dir -bytes 16384 -seconds 2 2>/dev/null \
      | awk -v a="$alg" -v d="${dir:-(encrypt)}" 'toupper($1) == toupper(a) { v = $NF; sub(/k$/, "", v); printf "openssl speed -evp %s %s (16 KiB blocks): %.0f MB/s\n", a, d, v / 1000 }'
  done
done
