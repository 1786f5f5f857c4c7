#!/usr/bin/env bash
# Offline repair of a disk image, whole process against whole process, in the same run:
# 'bootmedic fix --image' beside libguestfs (Debian's libguestfs-tools) removing the same file
# from a copy of the same image, for a raw GPT disk, VHDX, qcow2 and a raw disk whose Windows
# partition is BitLocker-encrypted (XTS-AES-128, opened with its recovery password by both).
# Prints wall time (median) and peak RSS of each, the peer/bootmedic ratio, then bootmedic alone
# on a 64 GiB sparse disk (its cost should not grow with the disk).
#
#   scripts/bench/fix-image.sh
#   env: RUNS (bootmedic runs per format, default 3), PEER_RUNS (libguestfs runs, default 3),
#        PEER (virt-customize: '--delete', default; or guestfish: 'rm'), SIZE_MIB (default 1024),
#        FORMATS (default "raw vhdx qcow2 bitlocker"), PEER_TIMEOUT (s, default 900),
#        JAR (default target/bootmedic.jar, e.g. a branch's jar)
# Installs what it needs (root or sudo): time, libguestfs-tools and a kernel for its appliance
# (only this bench needs them, so they are not in scripts/setup-debian.sh).
#
# libguestfs runs its tools inside a small VM: with backend 'direct' and force_tcg, qemu emulates
# the CPU (on machines where /dev/kvm exists qemu aborts with libguestfs' '-cpu max'), so the peer
# figure includes booting a kernel under emulation; the appliance is built once (not timed).
# virt-customize needs an image that passes its OS inspection: %SYSTEMROOT%\System32\config with
# SOFTWARE and SYSTEM hives (the practice tree's, completed with hivexregedit) and a
# System32\cmd.exe that file(1) calls a PE32+ executable (written below). The peer deletes the
# file; bootmedic quarantines it (rename), journals and writes a report: more work, not less.
# Peak RSS is GNU time's: the largest single process among those waited for (for the peer that is
# qemu, whose guest memory counts), not the sum of a process tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-3}
peer_runs=${PEER_RUNS:-3}
peer=${PEER:-virt-customize}
size_mib=${SIZE_MIB:-1024}
formats=${FORMATS:-raw vhdx qcow2 bitlocker}
limit=${PEER_TIMEOUT:-900}
jar=${JAR:-target/bootmedic.jar}
case $peer in virt-customize | guestfish) ;; *) echo "PEER must be virt-customize or guestfish" >&2; exit 2 ;; esac

need=()
for p in time libguestfs-tools linux-image-amd64; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "installing ${need[*]} (once, for this bench only)" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash scripts/setup-debian.sh demo images
[ -f "$jar" ] || ./mvnw -B -q -ntp -DskipTests package
work=$(mktemp -d /tmp/bootmedic-bench-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp=
if [[ " $formats " == *" bitlocker "* ]]; then
  # one Maven run: the app module's classpath then names the other modules' target/classes
  ./mvnw -B -q -ntp -Dstyle.color=never -DskipTests -pl modules/core test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/classpath" >"$work/mvn.log" 2>&1 || { cat "$work/mvn.log" >&2; exit 1; }
  cp="modules/core/target/test-classes:modules/core/target/classes:$(cat "$work/classpath")"
fi
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
bm=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar")
faulty=Windows/System32/drivers/CrowdStrike/C-00000291-00000000-00000032.sys

# le N VALUE: VALUE as N little-endian bytes
le() {
  local n=$1 v=$2 i out=
  for ((i = 0; i < n; i++)); do
    out+=$(printf '\\x%02x' $(((v >> (8 * i)) & 0xff)))
  done
  printf '%b' "$out"
}
zeros() { head -c "$1" /dev/zero; }
# A minimal PE32+ console executable for x86-64, what file(1) (and so libguestfs' inspection)
# calls "PE32+ executable (console) x86-64": DOS header pointing at the PE header, COFF header
# (AMD64, one section), PE32+ optional header, one .text section holding 'xor eax, eax; ret'.
write_pe32plus() {
  {
    printf 'MZ'; le 2 0x90; le 2 3; le 2 0; le 2 4; le 2 0; le 2 0xffff; le 2 0; le 2 0xb8
    le 2 0; le 2 0; le 2 0; le 2 0x40; le 2 0; zeros 32; le 4 0x80 # e_lfanew: PE header at 0x80
    zeros 64
    printf 'PE\0\0'
    le 2 0x8664; le 2 1; le 4 0x66000000; le 4 0; le 4 0; le 2 240; le 2 0x22
    le 2 0x20b; le 2 14; le 4 0x200; le 4 0; le 4 0; le 4 0x1000; le 4 0x1000
    le 8 0x140000000; le 4 0x1000; le 4 0x200         # image base, section and file alignment
    le 2 6; le 2 0; le 2 0; le 2 0; le 2 6; le 2 0; le 4 0 # OS, image, subsystem versions
    le 4 0x2000; le 4 0x200; le 4 0; le 2 3; le 2 0x8160 # image size, headers, checksum, console
    le 8 0x100000; le 8 0x1000; le 8 0x100000; le 8 0x1000; le 4 0; le 4 16
    zeros 128 # 16 empty data directories
    printf '.text\0\0\0'; le 4 3; le 4 0x1000; le 4 0x200; le 4 0x200; zeros 12; le 4 0x60000020
  } >"$1"
  truncate -s 512 "$1"
  printf '\x31\xc0\xc3' >>"$1"
  truncate -s 1024 "$1"
}

sector_of() { sgdisk -i 3 "$1" | awk -v k="$2" '$0 ~ k {print $3}'; }
# the practice disk, completed so that libguestfs' Windows inspection accepts it
make_golden() { # SIZE_MIB OUT (also leaves OUT.part: its NTFS partition)
  local out=$2 first last
  bash scripts/make-practice-disk.sh "$out" "$1"
  "${bm[@]}" practice-tree --image "$out" >/dev/null
  first=$(sector_of "$out" "First sector")
  last=$(sector_of "$out" "Last sector")
  dd if="$out" of="$out.part" bs=1M skip=$((first * 512)) count=$(((last - first + 1) * 512)) \
    iflag=skip_bytes,count_bytes conv=sparse status=none
  ntfscat "$out.part" Windows/System32/config/SOFTWARE >"$work/SOFTWARE"
  cat >"$work/software.reg" <<'EOF'
Windows Registry Editor Version 5.00

[\Microsoft\Windows NT\CurrentVersion]
"CurrentVersion"="6.3"
"CurrentMajorVersionNumber"=dword:0000000a
"CurrentMinorVersionNumber"=dword:00000000
"InstallationType"="Client"
"EditionID"="Enterprise"
EOF
  hivexregedit --merge "$work/SOFTWARE" "$work/software.reg"
  ntfscat "$out.part" Windows/System32/config/SYSTEM >"$work/SYSTEM"
  hivexget "$work/SYSTEM" '\Select' Current >/dev/null # inspection reads the control set from here
  write_pe32plus "$work/cmd.exe"
  file -b "$work/cmd.exe" | grep -q '^PE32+ executable' || { echo "cmd.exe: file(1) says $(file -b "$work/cmd.exe")" >&2; exit 1; }
  ntfscp -q -f "$out.part" "$work/SOFTWARE" Windows/System32/config/SOFTWARE
  ntfscp -q "$out.part" "$work/cmd.exe" Windows/System32/cmd.exe
  dd if="$out.part" of="$out" bs=1M seek=$((first * 512)) oflag=seek_bytes conv=notrunc,sparse status=none
  echo "$first" >"$out.first"
}

# /usr/bin/time: "wall-seconds peak-RSS-KiB exit-status"
measure() { # LABEL CMD...
  local label=$1
  shift
  /usr/bin/time -f "%e %M %x" -o "$work/t" "$@" >"$work/$label.out" 2>&1 || true
  tail -1 "$work/t"
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}'; }

# the image for FORMAT, fresh: IMG (and the key options for the encrypted one)
fresh() { # FORMAT OUT
  case $1 in
    raw) cp --sparse=always "$work/golden.img" "$2" ;;
    vhdx | qcow2) cp --sparse=always "$work/golden.$1" "$2" ;;
    bitlocker) cp --sparse=always "$work/golden-bitlocker.img" "$2" ;;
  esac
}
qemu_format() { case $1 in raw | bitlocker) echo raw ;; *) echo "$1" ;; esac; }
bm_keys() { [ "$1" != bitlocker ] || echo "--key-file $work/keys.csv"; }
# bootmedic scan after a fix: exit 0 = nothing faulty left (the file is gone)
gone() { # FORMAT IMG
  local keys
  read -ra keys <<<"$(bm_keys "$1")"
  "${bm[@]}" scan --image "$2" "${keys[@]}" >/dev/null 2>&1
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (shared with other work), $(java -version 2>&1 | head -1)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); libguestfs $(dpkg-query -W -f='${Version}' libguestfs0 2>/dev/null), qemu $(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null), /dev/kvm $([ -e /dev/kvm ] && echo present || echo absent), LIBGUESTFS_BACKEND=direct force_tcg"
make_golden "$size_mib" "$work/golden.img"
for f in $formats; do
  case $f in
    vhdx | qcow2) qemu-img convert -O "$f" "$work/golden.img" "$work/golden.$f" ;;
    bitlocker)
      java -cp "$cp" io.bootmedic.bench.BitLockerDisk "$work/golden.img.part" "$work/vol.bde" "$work/keys.csv" "$work/rp" >/dev/null
      cp --sparse=always "$work/golden.img" "$work/golden-bitlocker.img"
      dd if="$work/vol.bde" of="$work/golden-bitlocker.img" bs=1M seek=$(($(cat "$work/golden.img.first") * 512)) \
        oflag=seek_bytes conv=notrunc status=none
      rm -f "$work/vol.bde"
      ;;
  esac
done
rm -f "$work/golden.img.part"

# libguestfs builds its appliance (supermin) on first use: do that untimed
t=$(measure appliance timeout "$limit" guestfish --ro --format=raw -a "$work/golden.img" run)
echo "libguestfs appliance: first launch (builds the appliance once) ${t%% *} s, exit ${t##* }"

peer_cmd() { # FORMAT IMG -> the peer's command line in the array 'cmd'
  local keys=()
  [ "$1" != bitlocker ] || keys=(--key "/dev/sda3:file:$work/rp")
  if [ "$peer" = virt-customize ]; then
    cmd=(virt-customize --no-network --format "$(qemu_format "$1")" -a "$2" "${keys[@]}" --delete "/$faulty")
  else
    cmd=(guestfish --format="$(qemu_format "$1")" -a "$2" "${keys[@]}" -i rm "/$faulty")
  fi
}

printf '\n%-10s %-34s %-34s %s\n' format "bootmedic fix --image (median)" "$peer (median)" "ratio peer/bootmedic"
for f in $formats; do
  note=
  # an unsupported container must not be measured as "no Windows": skip it with the reason
  fresh "$f" "$work/probe.img"
  read -ra keys <<<"$(bm_keys "$f")"
  rc=0
  "${bm[@]}" scan --image "$work/probe.img" "${keys[@]}" >"$work/probe.out" 2>&1 || rc=$?
  if [ "$rc" -ne 1 ]; then
    printf '%-10s skipped: bootmedic scan --image exits %s on this jar (%s)\n' "$f" "$rc" \
      "$(grep -m1 -E 'NO WINDOWS|error|refus|unsupported' "$work/probe.out" | cut -c1-90)"
    continue
  fi
  bt=() br=() pt=() pr=()
  # interleaved, so that both see the same load on a shared machine
  for i in $(seq $((runs > peer_runs ? runs : peer_runs))); do
    if [ "$i" -le "$runs" ]; then
      fresh "$f" "$work/run.img"
      line=$(measure bm "${bm[@]}" fix --image "$work/run.img" "${keys[@]}")
      read -r s k x <<<"$line"
      if [ "$x" != 0 ] || ! gone "$f" "$work/run.img"; then
        note+=" bootmedic run $i exit $x;"
      fi
      bt+=("$s") br+=("$k")
      rm -rf "$work/run.img" "$work/run.img.bootmedic-quarantine"
    fi
    [ "$i" -le "$peer_runs" ] || continue
    fresh "$f" "$work/peer.img"
    peer_cmd "$f" "$work/peer.img"
    line=$(measure peer timeout "$limit" "${cmd[@]}")
    read -r s k x <<<"$line"
    if [ "$x" = 124 ]; then
      note+=" $peer stopped after ${limit} s;"
    elif [ "$x" != 0 ]; then
      note+=" $peer exit $x: $(grep -m1 -iE 'error' "$work/peer.out" | cut -c1-120);"
    elif ! gone "$f" "$work/peer.img"; then
      note+=" $peer exited 0 but bootmedic still finds the file;"
    fi
    pt+=("$s") pr+=("$k")
    rm -f "$work/peer.img"
  done
  b=$(printf '%s\n' "${bt[@]}" | median)
  p=$(printf '%s\n' "${pt[@]}" | median)
  brss=$(printf '%s\n' "${br[@]}" | sort -n | tail -1)
  prss=$(printf '%s\n' "${pr[@]}" | sort -n | tail -1)
  ratio=$(awk -v p="$p" -v b="$b" 'BEGIN {if (b > 0) printf "%.0fx", p / b; else print "-"}')
  printf '%-10s %-34s %-34s %s%s\n' "$f" \
    "$(printf '%s s, peak RSS %d MiB (n=%d)' "$b" $((brss / 1024)) "$runs")" \
    "$(printf '%s s, peak RSS %d MiB (n=%d)' "$p" $((prss / 1024)) "$peer_runs")" "$ratio" "${note:+  note:$note}"
  echo "           runs (s): bootmedic ${bt[*]}; $peer ${pt[*]}"
done
rm -f "$work"/golden*

# bootmedic alone: the same repair on a 64 GiB sparse disk costs what the small one does
times=()
for i in $(seq "$runs"); do
  bash scripts/make-practice-disk.sh "$work/big.img" 65536
  "${bm[@]}" practice-tree --image "$work/big.img" >/dev/null
  line=$(measure big "${bm[@]}" fix --image "$work/big.img")
  times+=("${line%% *}")
  rm -rf "$work/big.img" "$work/big.img.bootmedic-quarantine"
done
echo
echo "bootmedic fix --image, 64 GiB sparse raw disk: median $(printf '%s\n' "${times[@]}" | median) s (n=$runs)"
