#!/usr/bin/env bash
# Time to open a key bundle of 100,000 keys and find one (Argon2id + AES-256-GCM + parse + lookup). Goal: under 1 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# one Maven run: the app module's classpath then names the other modules' target/classes
./mvnw -B -q -ntp -DskipTests -pl modules/core test-compile dependency:build-classpath -Dmdep.outputFile="$work/classpath"
cp=$(cat "$work/classpath")
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
java -cp "modules/core/target/test-classes:modules/core/target/classes:$cp" io.bootmedic.bench.KeyBundleBench "${KEYS:-100000}"
