#!/usr/bin/env bash
# Checks what the boot media carry: target/bootmedic-agent.jar (the agent module, shaded and
# minimized) and a runtime jlinked with the WinPE module list of winpe/lib/common.ps1 and the
# flags of its Get-JlinkArguments (Linux jlink here, so the sizes are close to, not equal to,
# the Windows ones). Prints the sizes and exits 1 when:
#   - the agent jar is over 5 MB, or jar + runtime over 45 MB on disk (AGENT_JAR_MAX, AGENT_TOTAL_MAX bytes);
#   - the agent jar holds a server library (Jetty, Flyway, SQLite, PostgreSQL, HikariCP, Prometheus),
#     a collector server class or the mass-remediation engine (modules/cloud), or lists the collector command;
#   - the minimized jar, run on that runtime, fails a command the agent runs: --help, --version,
#     practice-tree, scan/fix/undo --root, fix --image on a practice disk, keys bundle + lookup,
#     bitlocker decrypt of a Windows-made volume from ../shared/testdata (when present);
#   - the Windows code cannot load from the jar alone (code that cannot run here): jdeps --missing-deps
#     names a class that bootmedic or JNA code needs and the jar lacks, or WindowsClassesLoad.java,
#     run with only the jar on the class path, cannot load a class of io.bootmedic.platform.windows
#     or a bootmedic/JNA class it reaches (jdeps -verbose:class edges), none initialized.
# Builds the jars first when they are missing (AGENT_JAR=FILE checks another jar). scripts/test.sh runs it after 'mvnw verify'.
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=${AGENT_JAR:-target/bootmedic-agent.jar}
jar_max=${AGENT_JAR_MAX:-5000000}
total_max=${AGENT_TOTAL_MAX:-45000000}
fail=0
bad() { echo "agent-size: FAIL: $*" >&2; fail=1; }

[ -f "$jar" ] || ./mvnw -B -q -ntp -DskipTests package
[ -f "$jar" ] || { echo "agent-size: $jar is missing after 'mvnw package': see the Maven output above" >&2; exit 1; }
command -v jlink >/dev/null || { echo "agent-size: no jlink on PATH: install a full JDK 17+ (scripts/setup-debian.sh does)" >&2; exit 1; }

work=$(mktemp -d /tmp/bootmedic-agent-size.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. nothing of the collector server in the agent jar
unzip -Z1 "$jar" >"$work/entries"
for p in org/eclipse/jetty/ org/flywaydb/ org/sqlite/ org/postgresql/ com/zaxxer/ io/prometheus/ \
         io/bootmedic/collector/http/ io/bootmedic/collector/store/ io/bootmedic/cli/CollectorCommand \
         io/bootmedic/cloud/ io/bootmedic/cli/CloudCommand; do
  n=$(grep -c "^$p" "$work/entries" || true)
  [ "$n" -eq 0 ] || bad "$jar holds $n entries under $p (server-side code): check modules/agent/pom.xml and the agent module's dependencies"
done

# 2. the runtime, as winpe/lib/common.ps1 builds it
common=winpe/lib/common.ps1
modules=$(sed -n "s/^\$script:JavaModules = '\(.*\)'$/\1/p" "$common")
before22=$(sed -n "s/^\$script:JavaModulesBefore22 = '\(.*\)'$/\1/p" "$common")
if [ -z "$modules" ] || [ -z "$before22" ]; then echo "agent-size: could not read \$script:JavaModules / JavaModulesBefore22 from $common" >&2; exit 1; fi
major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "$major" -lt 22 ]; then modules="$modules,$before22"; fi
if [ "$major" -ge 21 ]; then compress=--compress=zip-6; else compress=--compress=2; fi
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files "$compress" \
  --output "$work/runtime" >"$work/jlink.log" 2>&1 || { cat "$work/jlink.log" >&2; echo "agent-size: jlink failed (output above)" >&2; exit 1; }

jar_bytes=$(stat -c %s "$jar")
runtime_bytes=$(( $(du -sk "$work/runtime" | cut -f1) * 1024 ))
jar_disk=$(( $(du -sk "$jar" | cut -f1) * 1024 ))
total=$(( jar_disk + runtime_bytes ))
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
echo "agent jar:           $(mb "$jar_bytes") ($jar_bytes bytes; budget $(mb "$jar_max"))"
echo "jlinked runtime:     $(mb "$runtime_bytes") on disk (JDK $major: $modules, $compress, no CDS archive)"
echo "agent jar + runtime: $(mb "$total") on disk (budget $(mb "$total_max"))"
# where the runtime's bytes are, so a budget decision can be made from this output alone
for f in lib/server/libjvm.so lib/server/classes.jsa lib/server/classes_nocoops.jsa lib/modules; do
  if [ -e "$work/runtime/$f" ]; then echo "  runtime $f: $(mb $(( $(du -sk "$work/runtime/$f" | cut -f1) * 1024 )))"; fi
done
if [ -f target/bootmedic.jar ]; then echo "whole CLI jar:       $(mb "$(stat -c %s target/bootmedic.jar)") (target/bootmedic.jar, not for the media)"; fi
[ "$jar_bytes" -le "$jar_max" ] || bad "the agent jar is $(mb "$jar_bytes"), over $(mb "$jar_max"): see which library grew with 'unzip -lv $jar'"
[ "$total" -le "$total_max" ] || bad "agent jar + runtime are $(mb "$total"), over $(mb "$total_max")"

# 3. the minimized jar runs what the agent runs, on that runtime (a class the minimizer dropped shows here)
java_bin="$work/runtime/bin/java"
run() {
  local want=$1; shift
  local got=0
  "$java_bin" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" "$@" >"$work/out" 2>&1 || got=$?
  if [ "$got" -ne "$want" ]; then
    bad "'bootmedic-agent.jar $*' exited $got, expected $want:"
    sed 's/^/    /' "$work/out" >&2
  else
    echo "ran on the jlinked runtime: bootmedic-agent.jar $* (exit $got)"
  fi
}
run 0 --help
grep -q "^  collector" "$work/out" && bad "the agent jar's --help lists the collector command"
grep -q "^  cloud" "$work/out" && bad "the agent jar's --help lists the cloud command"
grep -q "^  fix" "$work/out" || bad "the agent jar's --help lists no fix command"
run 0 --version
run 2 collector serve
tree=$work/tree
run 0 practice-tree "$tree"
run 1 scan --root "$tree"
run 0 fix --root "$tree"
run 0 undo --root "$tree"
if command -v sgdisk >/dev/null && command -v mkntfs >/dev/null && command -v mkfs.fat >/dev/null; then
  bash scripts/make-practice-disk.sh "$work/disk.img" 256
  run 0 practice-tree --image "$work/disk.img"
  run 0 fix --image "$work/disk.img"
  run 0 scan --image "$work/disk.img"
else
  bad "sgdisk, mkntfs or mkfs.fat missing (scripts/setup-debian.sh installs them): fix --image was not tried"
fi
printf 'KeyID,RecoveryPassword\n64311DEA-4587-4029-924A-BA299647998E,%s\n' \
  000011-000022-000033-000044-000055-000066-000077-000088 >"$work/keys.csv"
printf 'a passphrase for this check only\n' >"$work/passphrase"
run 0 keys bundle --in "$work/keys.csv" --out "$work/keys.bmk" --passphrase-file "$work/passphrase"
run 0 keys lookup 64311DEA --key-bundle "$work/keys.bmk" --passphrase-file "$work/passphrase"

# BitLocker (BouncyCastle, minimized) on a Windows-made volume of ../shared/testdata, when it is there
shared=${BOOTMEDIC_SHARED:-../shared}
bitlk=$shared/testdata/bitlocker/bitlk-images.tar.xz
if [ -f "$bitlk" ]; then
  tar -xJf "$bitlk" -C "$work" bitlk-images/bitlk-aes-xts-128-first-recovery.img
  # the image's recovery password (published with the test data), given as a key file, never as an argument
  printf 'KeyID,RecoveryPassword\nE76C7AB2-69B6-44C2-BA78-C227C7C1BD07,%s\n' \
    097702-694144-563057-330462-534446-240086-680515-664389 >"$work/bitlk-keys.csv"
  run 0 bitlocker decrypt --image "$work/bitlk-images/bitlk-aes-xts-128-first-recovery.img" --key-file "$work/bitlk-keys.csv" --out "$work/volume.bin"
  sum=$(sha256sum "$work/volume.bin" 2>/dev/null | cut -d' ' -f1 || true)
  # expected: the decrypted volume's SHA-256 in $shared/testdata/bitlocker/README.md
  [ "$sum" = 61942bde31a461b5e54e2aa154a8ae6479c514400e29fcaeb9fbd7b9fe0ce862 ] \
    || bad "the agent jar decrypted bitlk-aes-xts-128-first-recovery.img to a volume with SHA-256 '$sum', not the one in the test data's README"
else
  echo "note: $bitlk is absent: the BitLocker decrypt check was skipped" >&2
fi

# 4. the Windows code's classes are all in the jar: it cannot run here, so a class the minimizer
#    dropped would otherwise first show on a broken machine in WinRE
jdeps --multi-release 17 --missing-deps "$jar" >"$work/missing" 2>&1 || true
while read -r from arrow to rest; do
  [ "$arrow" = "->" ] || continue
  case "$from" in
    *.jar) continue ;;
    io.bootmedic.*|com.sun.jna.*) bad "jdeps: $from needs $to, which is not in $jar (the minimizer dropped it; keep it in modules/agent/pom.xml)" ;;
    *) echo "note: jdeps: $from names $to, absent from the jar (a library's own reference, left to the commands above)" ;;
  esac
done <"$work/missing"
jdeps --multi-release 17 -verbose:class -filter:none "$jar" >"$work/edges" 2>/dev/null \
  || bad "jdeps -verbose:class could not read $jar"
if java -cp "$jar" scripts/check/WindowsClassesLoad.java "$jar" "$work/edges" >"$work/load" 2>&1; then
  cat "$work/load"
else
  sed 's/^/    /' "$work/load" >&2
  bad "the Windows code of $jar does not load from the jar alone (lines above)"
fi

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "agent-size: OK"
