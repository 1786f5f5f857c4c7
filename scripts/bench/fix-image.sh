#!/usr/bin/env bash
# Offline repair of a disk image: bootmedic 'fix --image' beside libguestfs' virt-customize
# (Debian's libguestfs-tools, backend direct) deleting the same file, on the same image, plus
# bootmedic on a 1 GiB and a 64 GiB sparse image (its cost should not grow with the disk).
# Prints wall time and peak RSS. Installs what it needs (root or sudo).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-3}
need=()
for p in time libguestfs-tools linux-image-amd64; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]} (once)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash scripts/setup-debian.sh
[ -f target/bootmedic.jar ] || mvn -B -q -ntp -DskipTests package
work=$(mktemp -d /tmp/bootmedic-bench-image.XXXXXX)
trap 'rm -rf "$work"' EXIT

make_disk() { # SIZE_MIB OUT
  bash scripts/make-practice-disk.sh "$2" "$1"
  java -jar target/bootmedic.jar practice-tree --image "$2" >/dev/null
}
# wall seconds and peak RSS (MiB) of one command
measure() {
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1 || true
  awk '{printf "%.2f s  %d MiB\n", $1, $2/1024}' "$work/t"
}
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

faulty="/Windows/System32/drivers/CrowdStrike/C-00000291-00000000-00000032.sys"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
for size in 1024 65536; do
  times=()
  for i in $(seq "$runs"); do
    make_disk "$size" "$work/disk-$size.img"
    line=$(measure java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar target/bootmedic.jar fix --image "$work/disk-$size.img")
    times+=("${line%% s*}")
    echo "  run $i: bootmedic fix --image ($((size / 1024)) GiB sparse): $line"
  done
  echo "bootmedic fix --image, $((size / 1024)) GiB: median $(printf '%s\n' "${times[@]}" | median_of) s"
  rm -f "$work/disk-$size.img"
done

make_disk 1024 "$work/peer.img"
if LIBGUESTFS_BACKEND=direct virt-customize --version >/dev/null 2>&1; then
  limit=${PEER_TIMEOUT:-900}
  line=$(LIBGUESTFS_BACKEND=direct measure timeout "$limit" virt-customize -a "$work/peer.img" --delete "$faulty")
  echo "virt-customize --delete (libguestfs, backend direct), 1 GiB: $line (stopped after ${limit} s if it had not finished)"
else
  echo "virt-customize is not usable on this machine (no kernel/appliance for libguestfs); peer not measured"
fi
