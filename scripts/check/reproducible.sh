#!/usr/bin/env bash
# Builds target/bootmedic.jar and target/bootmedic-agent.jar twice from a clean clone of HEAD, in two
# folders, and says whether each pair is byte-identical (project.build.outputTimestamp in pom.xml is
# what makes them so).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in 1 2; do
  git clone -q . "$work/$n"
  (cd "$work/$n" && ./mvnw -B -q -ntp -o -DskipTests package >"$work/build-$n.log" 2>&1) || { cat "$work/build-$n.log" >&2; exit 1; }
done
status=0
for jar in bootmedic.jar bootmedic-agent.jar; do
  [ -f "$work/1/target/$jar" ] || { echo "the build wrote no target/$jar: see $work/build-1.log" >&2; trap - EXIT; exit 1; }
  a=$(sha256sum <"$work/1/target/$jar") b=$(sha256sum <"$work/2/target/$jar")
  if [ "$a" = "$b" ]; then
    echo "reproducible: both builds of $(git rev-parse --short HEAD) gave $jar ${a%% *}"
  else
    echo "NOT reproducible: $jar ${a%% *} vs ${b%% *}; compare with: diffoscope $work/1/target/$jar $work/2/target/$jar" >&2
    status=1
  fi
done
if [ "$status" -ne 0 ]; then
  trap - EXIT
  exit 1
fi
