#!/usr/bin/env bash
# Fuzzes every Jazzer @FuzzTest under modules/*/src/test/java/io/bootmedic/fuzz for a bounded time each.
#
#   scripts/bench/fuzz.sh [SECONDS] [TARGET...]
#     SECONDS  per target, default 60
#     TARGET   Class or Class#method (e.g. PartitionTableFuzzTest#disk); default: every target
#   env: FUZZ_XMX (heap of the fuzzing JVM, default 256m: the promise for every refusal),
#        FUZZ_INPUT_TIMEOUT (seconds one input may take before it counts as a hang, default 10),
#        FUZZ_MAX_LEN (libFuzzer -max_len; default libFuzzer's 4096)
#
# One 'mvn test-compile', then per target one 'JAZZER_FUZZ=1 mvn -o test -Dtest=C#m' (the test phase, not a
# bare surefire:test, which cannot resolve the sibling modules; the compile is then a no-op)
# (Jazzer fuzzes one target per JVM), bounded by timeout(1). Prints per target: libFuzzer's
# seconds, executions, exec/s, corpus (units/bytes) and findings.
#
# Jazzer 0.24's JUnit integration turns @FuzzTest(maxDuration) into -max_total_time and then
# appends the JUnit configuration parameters jazzer.internal.arg.1..N (system properties are
# configuration parameters) to libFuzzer's command line; libFuzzer keeps the last value of a
# flag, so -Djazzer.internal.arg.N=-max_total_time=S overrides the annotation. There is no
# jazzer.max_duration property or JAZZER_MAX_DURATION variable in 0.24. A directory passed the
# same way becomes libFuzzer's first (written) corpus directory, so Jazzer does not create
# .cifuzz-corpus/ in the project: the generated corpus stays in target/fuzz/corpus/<Class>/<method>
# (kept between runs; 'rm -rf target/fuzz' starts afresh). Crashing inputs are written where
# Jazzer writes them: modules/<module>/src/test/resources/<package>/<Class>Inputs/<method>/ (commit them as
# regression seeds); logs go to target/fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

secs=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  secs=$1
  shift
fi
[ "$secs" -gt 0 ] || { echo "fuzz.sh: SECONDS must be at least 1" >&2; exit 2; }
xmx=${FUZZ_XMX:-256m}
input_timeout=${FUZZ_INPUT_TIMEOUT:-10}

# each module keeps its own fuzz targets beside its tests
fuzzdirs=(modules/*/src/test/java/io/bootmedic/fuzz)
[ -d "${fuzzdirs[0]}" ] || { echo "fuzz.sh: no modules/*/src/test/java/io/bootmedic/fuzz" >&2; exit 2; }

# class#method<TAB>package path<TAB>module folder, for each @FuzzTest method (the first 'void name(' after it)
discover() {
  local f cls pkg src
  while IFS= read -r f; do
    cls=$(basename "$f" .java)
    src=${f%%/src/test/java/*}/src/test/java
    pkg=$(dirname "${f#"$src"/}")
    awk -v c="$cls" -v p="$pkg" '
      /@FuzzTest/ { want = 1 }
      want && match($0, /void[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/) {
        m = substr($0, RSTART, RLENGTH); sub(/^void[ \t]+/, "", m); sub(/[ \t]*\($/, "", m)
        print c "#" m "\t" p "\t" mod; want = 0
      }' mod="${f%%/src/test/java/*}" "$f"
  done < <(find "${fuzzdirs[@]}" -name '*.java' | sort)
}

mapfile -t all < <(discover)
[ "${#all[@]}" -gt 0 ] || { echo "fuzz.sh: no @FuzzTest under ${fuzzdirs[*]}" >&2; exit 2; }
targets=()
if [ $# -eq 0 ]; then
  targets=("${all[@]}")
else
  for want in "$@"; do
    found=0
    for t in "${all[@]}"; do
      id=${t%%$'\t'*}
      if [ "$id" = "$want" ] || [ "${id%%#*}" = "$want" ]; then
        targets+=("$t")
        found=1
      fi
    done
    [ "$found" -eq 1 ] || { echo "fuzz.sh: no fuzz target '$want' (have: $(printf '%s ' "${all[@]%%$'\t'*}"))" >&2; exit 2; }
  done
fi

work=$(mktemp -d /tmp/bootmedic-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p target/fuzz/logs target/fuzz/corpus

echo "compiling the tests once" >&2
./mvnw -B -ntp -o -q -Dstyle.color=never -DskipTests test-compile >target/fuzz/logs/test-compile.log 2>&1 \
  || { cat target/fuzz/logs/test-compile.log >&2; exit 1; }

finding_names=(-name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'slow-unit-*')
printf '%-44s %7s %11s %8s %12s %8s  %s\n' target seconds executions exec/s corpus findings note
total_findings=0
for t in "${targets[@]}"; do
  id=${t%%$'\t'*}
  rest=${t#*$'\t'}
  pkg=${rest%%$'\t'*}
  module=${rest#*$'\t'}
  cls=${id%%#*}
  method=${id#*#}
  inputs=$module/src/test/resources/$pkg/${cls}Inputs/$method
  corpus=$root/target/fuzz/corpus/$cls/$method
  log=target/fuzz/logs/$cls#$method.log
  mkdir -p "$corpus" "$work/tmp"

  # Jazzer creates the inputs directory when it is missing; remove it again if nothing landed there
  created=()
  d=$inputs
  while [ "$d" != "$module/src/test/resources" ] && [ ! -e "$d" ]; do
    created+=("$d")
    d=$(dirname "$d")
  done

  marker=$work/marker
  touch "$marker"
  t0=$(date +%s)
  rc=0
  # mvn start, instrumentation and the seed replay come on top of the fuzzing time
  JAZZER_FUZZ=1 timeout --kill-after=15 $((secs + 180)) \
    ./mvnw -B -ntp -o test -Dtest="$id" -Dsurefire.failIfNoSpecifiedTests=false \
      "-DargLine=-Xmx$xmx -Djava.io.tmpdir=$work/tmp" \
      -Djazzer.internal.arg.0=fuzz \
      -Djazzer.internal.arg.1="$corpus" \
      -Djazzer.internal.arg.2=-max_total_time="$secs" \
      -Djazzer.internal.arg.3=-timeout="$input_timeout" \
      ${FUZZ_MAX_LEN:+-Djazzer.internal.arg.4=-max_len="$FUZZ_MAX_LEN"} \
      >"$log" 2>&1 || rc=$?
  wall=$(( $(date +%s) - t0 ))

  # libFuzzer: '#N  DONE  cov: .. corp: U/Bb .. exec/s: E ..' and 'Done N runs in S second(s)'
  stat=$(grep -E $'^#[0-9]+\t' "$log" | tail -1 || true)
  execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$stat")
  eps=$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$stat")
  corp=$(sed -nE 's/.*corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$stat")
  ran=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -1)
  if [ -z "$ran" ] && [ -n "$execs" ] && [ "${eps:-0}" -gt 0 ]; then
    ran=$(( execs / eps ))
  fi

  mapfile -t found < <(find "$inputs" "$root" -maxdepth 1 -type f -newer "$marker" \( "${finding_names[@]}" \) 2>/dev/null | sort)
  total_findings=$(( total_findings + ${#found[@]} ))
  note=
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    note="killed by timeout after ${wall}s (hang outside libFuzzer's per-input timeout?)"
  elif [ "${#found[@]}" -gt 0 ]; then
    # a per-input timeout names itself in libFuzzer's line; any other finding in Jazzer's exception
    note=$({ grep -m1 -E 'ERROR: libFuzzer:' "$log" | sed -E 's/^==[0-9]+== //'; grep -m1 'FuzzTestFindingException: ' "$log" | sed -E 's/.*FuzzTestFindingException: //'; } | head -1 || true)
  elif [ "$rc" -ne 0 ]; then
    note="mvn exited $rc without a finding: see $log"
  elif [ -z "$execs" ]; then
    note="no libFuzzer statistics in $log"
  fi
  printf '%-44s %7s %11s %8s %12s %8s  %s\n' "$id" "${ran:--}" "${execs:--}" "${eps:--}" "${corp:--}" "${#found[@]}" "$note"
  for f in "${found[@]}"; do
    printf '    finding: %s\n' "${f#"$root"/}"
  done

  for d in "${created[@]}"; do
    rmdir "$d" 2>/dev/null || true
  done
  rm -rf "${work:?}/tmp"
done
[ ! -e .cifuzz-corpus ] || echo "note: .cifuzz-corpus/ exists in the project (not made by this script; not to be committed)" >&2
echo "logs: target/fuzz/logs/  generated corpus: target/fuzz/corpus/  findings: $total_findings" >&2
