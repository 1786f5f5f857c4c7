#!/usr/bin/env bash
# Builds target/bootmedic.jar twice from a clean clone of HEAD, in two folders, and says whether the
# two jars are byte-identical (project.build.outputTimestamp in pom.xml is what makes them so).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in 1 2; do
  git clone -q . "$work/$n"
  (cd "$work/$n" && ./mvnw -B -q -ntp -o -DskipTests package >"$work/build-$n.log" 2>&1) || { cat "$work/build-$n.log" >&2; exit 1; }
done
a=$(sha256sum <"$work/1/target/bootmedic.jar") b=$(sha256sum <"$work/2/target/bootmedic.jar")
if [ "$a" = "$b" ]; then
  echo "reproducible: both builds of $(git rev-parse --short HEAD) gave ${a%% *}"
else
  echo "NOT reproducible: ${a%% *} vs ${b%% *}; compare with: diffoscope $work/1/target/bootmedic.jar $work/2/target/bootmedic.jar" >&2
  trap - EXIT
  exit 1
fi
