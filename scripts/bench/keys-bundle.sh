#!/usr/bin/env bash
# Time to open a key bundle of 100,000 keys and find one (Argon2id + AES-256-GCM + parse + lookup). Goal: under 1 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -ntp -DskipTests test-compile
cp=$(./mvnw -B -q -ntp dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
java -cp "target/classes:target/test-classes:$cp" io.bootmedic.bench.KeyBundleBench "${KEYS:-100000}"
