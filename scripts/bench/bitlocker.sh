#!/usr/bin/env bash
# BitLocker figures on real Windows-made volumes (../shared/testdata/bitlocker):
# unlock time with a recovery password beside libbde's bdeinfo unlocking the same volume, and
# the sector layer's decrypt (read) and encrypt (write) throughput for XTS-AES-128/256, AES-CBC
# and AES-CBC + Elephant beside 'openssl speed' for the same AES modes.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-debian.sh
archive=../shared/testdata/bitlocker/bitlk-images.tar.xz
[ -f "$archive" ] || { echo "needs $archive (the shared test data)" >&2; exit 1; }
work=$(mktemp -d /tmp/bootmedic-bench-bitlk.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xJSf "$archive" -C "$work"
img="$work/bitlk-images/bitlk-aes-xts-128.img"
rp=235818-357951-253979-013365-241120-245575-342914-591910

mvn -B -q -ntp -DskipTests test-compile
cp=$(mvn -B -q -ntp dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
d="$work/bitlk-images"
java -cp "target/classes:target/test-classes:$cp" io.bootmedic.bench.BitLockerBench "$img" "$rp" \
  "$d/bitlk-aes-xts-256.img" anaconda "$d/bitlk-aes-cbc-128.img" anaconda "$d/bitlk-aes-cbc-elephant-128.img" anaconda

times=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  bdeinfo -r "$rp" "$img" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000000 )))
done
echo "bdeinfo -r (libbde $(dpkg-query -W -f='${Version}' libbde-utils), whole process): median $(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p) ms"
for alg in aes-128-xts aes-256-xts aes-128-cbc; do
  for dir in "" -decrypt; do
    openssl speed -evp "$alg" $dir -bytes 16384 -seconds 2 2>/dev/null \
      | awk -v a="$alg" -v d="${dir:-(encrypt)}" 'toupper($1) == toupper(a) { v = $NF; sub(/k$/, "", v); printf "openssl speed -evp %s %s (16 KiB blocks): %.0f MB/s\n", a, d, v / 1000 }'
  done
done
