#!/usr/bin/env bash
# The ten slowest test classes of the last run (from surefire's reports in every module), so the next
# slow test is seen the day it arrives. scripts/test.sh prints this at its end.
#   scripts/check/slowest-tests.sh [N]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10}
shopt -s nullglob
reports=(modules/*/target/surefire-reports/TEST-*.xml)
[ "${#reports[@]}" -gt 0 ] || { echo "slowest-tests: no surefire reports under modules/*/target (run the tests first)" >&2; exit 0; }
rows=$(for f in "${reports[@]}"; do
  module=${f#modules/}
  module=${module%%/*}
  # the <testsuite ...> element's own attributes: name, time, tests, failures, errors, skipped
  head -c 4096 "$f" | tr '\n' ' ' | sed -n 's/.*<testsuite \([^>]*\)>.*/\1/p' |
    awk -v m="$module" '{
      t = ""; name = ""; tests = 0
      if (match($0, / time="[0-9.]+"/)) t = substr($0, RSTART + 7, RLENGTH - 8)
      if (match($0, /name="[^"]+"/)) name = substr($0, RSTART + 6, RLENGTH - 7)
      if (match($0, /tests="[0-9]+"/)) tests = substr($0, RSTART + 7, RLENGTH - 8)
      sub(/^io\.bootmedic\./, "", name)
      if (t != "") printf "%.1f\t%s\t%s\t%s\n", t, m, name, tests
    }'
done)
total=$(awk -F'\t' '{s += $1} END {printf "%.0f", s}' <<<"$rows")
classes=$(wc -l <<<"$rows")
echo "The $n slowest of $classes test classes (seconds inside the test JVMs; all classes together: ${total} s):"
sort -t$'\t' -k1,1 -rn <<<"$rows" | head -n "$n" | awk -F'\t' '{printf "  %7.1f s  %-12s %s (%s tests)\n", $1, $2, $3, $4}'
echo "Per module (s): $(awk -F'\t' '{s[$2] += $1} END {for (m in s) printf "%s %.0f  ", m, s[m]}' <<<"$rows")"
