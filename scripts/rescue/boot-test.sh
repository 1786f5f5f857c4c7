#!/usr/bin/env bash
# Boots target/bootmedic-rescue.iso in qemu-system-x86_64 (TCG) as a USB stick, unattended, with a
# practice Windows disk on NVMe, and checks from the host that the disk was fixed:
#   uefi-sb  OVMF with Secure Boot on and Microsoft's keys enrolled (Debian's ovmf:
#            OVMF_CODE_4M.secboot.fd + OVMF_VARS_4M.ms.fd, q35 with SMM): shim -> GRUB -> kernel
#            all verified by the firmware and shim; the guest kernel must say "Secure boot enabled"
#   bios     SeaBIOS: GRUB i386-pc from the hybrid MBR
#   cd       OVMF Secure Boot as uefi-sb, the ISO as a CD (AHCI); BOOTMEDIC-DATA is then a separate
#            USB disk holding only that NTFS volume (as with Ventoy, or a second stick)
#   pxe      SeaBIOS + qemu's iPXE: target/bootmedic-netboot/boot.ipxe over HTTP (python3 -m
#            http.server on 127.0.0.1), live-boot fetches the squashfs; BOOTMEDIC-DATA as for cd
#   collector       SeaBIOS, the stick on USB, a virtio NIC on qemu's user network (DHCP from qemu;
#            10.0.2.2 is this host): a real collector from target/bootmedic.jar listens on this host,
#            the stick carries its agent.conf and no key file; the collector holds the BitLocker
#            disk's recovery key (keys import). Checked on the collector (admin API): both reports
#            arrived, fixed, and the key was released to the guest (audit key-release); on the
#            stick: the reports left the outbox (bootmedic/reports/sent)
#   collector-down  the same stick, agent.conf pointing to this host, but the NIC's cable leads nowhere
#            (no DHCP server): the init must say there is no network within its bound, the key file
#            on the stick unlocks the BitLocker disk and the reports stay in the outbox on the stick
# Usage: boot-test.sh [KIND[,KIND...]|all] [ISO]   (default all: uefi-sb and bios, one after the other)
#   KIND,KIND boots them at the same time (2 TCG guests fit on 2 cores: docs/rescue-media.md)
# The stick is a copy of the ISO whose BOOTMEDIC-DATA partition gets bootmedic/rescue.conf
# (mode=fix, after=poweroff), as a fleet admin would pre-load it. Checked afterwards with ntfs-3g's
# tools only (ntfsls, ntfscat): the faulty channel file is in bootmedic/quarantine/<run> on the
# Windows volume with the SHA-256 the report names, the report is on the data partition, the
# serial console shows the FIXED banner (and, under Secure Boot, the kernel's Secure Boot line).
# A second practice disk whose Windows volume is BitLocker-encrypted (XTS-AES-128, recovery
# password only; test/bench BitLockerDisk) rides along, its key export in keys\ on BOOTMEDIC-DATA:
# both disks must be fixed. It needs the test classes: BOOTMEDIC_TEST_CLASSPATH (RescueMediaBootTest
# passes its own), else Maven computes it; BOOTMEDIC_BITLOCKER=0 leaves that disk out.
# A failed boot prints the tail of the guest's serial console. BOOTMEDIC_KEEP=1 keeps the work folder.
# Needs: qemu-system-x86 ovmf ntfs-3g gdisk, java, curl for collector (scripts/setup-debian.sh); not root.
# shellcheck disable=SC2054,SC2317 # commas inside qemu options; the check predicates are called through check()
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
which_boot=${1:-all}
iso=${2:-$repo/target/bootmedic-rescue.iso}
jar=$repo/target/bootmedic-agent.jar
app_jar=$repo/target/bootmedic.jar # the collector
timeout_s=${BOOTMEDIC_BOOT_TIMEOUT:-1200}
code=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
msvars=/usr/share/OVMF/OVMF_VARS_4M.ms.fd

[ -f "$iso" ] || { echo "boot-test: $iso missing; build it with scripts/rescue/build.sh" >&2; exit 2; }
[ -f "$jar" ] || { echo "boot-test: $jar missing; ./mvnw -B -q -ntp -DskipTests package" >&2; exit 2; }
bash "$repo/scripts/setup-debian.sh" rescue-boot # qemu, OVMF, ntfs-3g, gdisk: installed the first time, said so
for t in qemu-system-x86_64 ntfsls ntfscat ntfs-3g sgdisk java; do
  command -v "$t" >/dev/null || { echo "boot-test: $t missing (scripts/setup-debian.sh)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/bootmedic-boot-test.XXXXXX)
[ -n "${BOOTMEDIC_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
echo "boot-test: work folder $work" >&2

bitlocker=${BOOTMEDIC_BITLOCKER:-1}
if [ "$bitlocker" = 1 ] && [ -z "${BOOTMEDIC_TEST_CLASSPATH:-}" ]; then
  if [ -d "$repo/modules/core/target/test-classes/io/bootmedic/bench" ] && [ -f "$app_jar" ]; then
    # after a build (CI): the core's test helpers beside the whole jar (its classes and BouncyCastle)
    BOOTMEDIC_TEST_CLASSPATH="$repo/modules/core/target/test-classes:$app_jar"
  else
    echo "boot-test: computing the test classpath for the BitLocker practice disk (Maven)" >&2
    (cd "$repo" && nice -n 19 ionice -c3 ./mvnw -B -q -ntp -Dstyle.color=never -DskipTests -pl modules/core test-compile \
      dependency:build-classpath -Dmdep.outputFile="$work/classpath" >"$work/mvn.log" 2>&1) || { cat "$work/mvn.log" >&2; exit 1; }
    BOOTMEDIC_TEST_CLASSPATH="$repo/modules/core/target/test-classes:$repo/modules/core/target/classes:$(cat "$work/classpath")"
  fi
fi

part_range() { # part_range IMAGE N: "first_sector sectors" of GPT partition N
  local first last
  first=$(sgdisk -i "$2" "$1" | awk '/First sector/ {print $3}')
  last=$(sgdisk -i "$2" "$1" | awk '/Last sector/ {print $3}')
  echo "$first $((last - first + 1))"
}
extract() { # extract IMAGE N OUT: a copy of partition N (ntfs-3g's tools read images, not offsets)
  local r
  r=$(part_range "$1" "$2")
  dd if="$1" of="$3" bs=512 skip="${r% *}" count="${r#* }" status=none
}

run_one() {
  local kind=$1 dir=$work/$1
  mkdir -p "$dir"
  echo "boot-test: [$kind] practice disk" >&2
  bash "$repo/scripts/make-practice-disk.sh" "$dir/windows.img" 256
  java -jar "$jar" practice-tree --image "$dir/windows.img" >/dev/null

  if [ "$bitlocker" = 1 ]; then
    echo "boot-test: [$kind] BitLocker practice disk" >&2
    bash "$repo/scripts/make-practice-disk.sh" "$dir/bitlocker.img" 256
    extract "$dir/bitlocker.img" 3 "$dir/plain.ntfs"
    java -jar "$jar" practice-tree --image "$dir/plain.ntfs" >/dev/null
    java -cp "$BOOTMEDIC_TEST_CLASSPATH" io.bootmedic.bench.BitLockerDisk "$dir/plain.ntfs" "$dir/bitlocker.bde" \
      "$dir/practice-keys.csv" "$dir/practice-rp" >/dev/null
    [ "$(stat -c %s "$dir/bitlocker.bde")" = "$(stat -c %s "$dir/plain.ntfs")" ] || { echo "boot-test: BitLocker volume size differs" >&2; return 1; }
    local b
    b=$(part_range "$dir/bitlocker.img" 3)
    dd if="$dir/bitlocker.bde" of="$dir/bitlocker.img" bs=512 seek="${b% *}" conv=notrunc status=none
    rm -f "$dir/plain.ntfs" "$dir/bitlocker.bde" "$dir/practice-rp"
  fi

  local collector_pid="" port="" keys_on_stick=$bitlocker
  if [ "$kind" = collector ] || [ "$kind" = collector-down ]; then
    [ -f "$app_jar" ] || { echo "boot-test: $app_jar missing (./mvnw -B -q -ntp -DskipTests package)" >&2; return 2; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # the guest reaches this host as 10.0.2.2 (qemu's user network); the certificate is pinned anyway
    java -jar "$app_jar" collector init --dir "$dir/collector" --url "https://10.0.2.2:$port" >/dev/null
    # this host reaches the same collector on 127.0.0.1
    sed "s#^collector.url=.*#collector.url=https://127.0.0.1:$port#" "$dir/collector/agent.conf" >"$dir/host-agent.conf"
  fi
  if [ "$kind" = collector ]; then
    java -jar "$app_jar" collector serve --dir "$dir/collector" --port "$port" --bind 127.0.0.1 >"$dir/collector.log" 2>&1 &
    collector_pid=$!
    local up=0
    for _ in $(seq 150); do curl -skf "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { up=1; break; }; sleep 0.2; done
    [ "$up" = 1 ] || { echo "boot-test: [$kind] the collector did not start" >&2; cat "$dir/collector.log" >&2; kill "$collector_pid"; return 1; }
    if [ "$bitlocker" = 1 ]; then # the recovery key lives in the collector, not on the stick
      java -jar "$jar" keys import "$dir/practice-keys.csv" --config "$dir/host-agent.conf" \
        --admin-token-file "$dir/collector/admin.token" >"$dir/keys-import.log" 2>&1 ||
        { cat "$dir/keys-import.log" >&2; kill "$collector_pid"; return 1; }
      keys_on_stick=0
    fi
  fi

  cp "$iso" "$dir/stick.img"
  # pre-load the stick: rescue.conf on BOOTMEDIC-DATA (partition 3), written through ntfs-3g
  local r
  r=$(part_range "$dir/stick.img" 3)
  extract "$dir/stick.img" 3 "$dir/data.img"
  [ "$(ntfslabel "$dir/data.img" 2>/dev/null)" = BOOTMEDIC-DATA ] || { echo "boot-test: partition 3 is not BOOTMEDIC-DATA" >&2; return 1; }
  mkdir -p "$dir/mnt"
  if ntfs-3g "$dir/data.img" "$dir/mnt" 2>/dev/null; then
    mkdir -p "$dir/mnt/bootmedic" "$dir/mnt/keys"
    printf 'mode=fix\r\nafter=poweroff\r\n' >"$dir/mnt/bootmedic/rescue.conf"
    [ "$keys_on_stick" = 1 ] && cp "$dir/practice-keys.csv" "$dir/mnt/keys/practice-keys.csv"
    [ -n "$port" ] && cp "$dir/collector/agent.conf" "$dir/mnt/agent.conf"
    umount "$dir/mnt"
  else # no FUSE here: ntfscp into the folders build.sh made
    printf 'mode=fix\r\nafter=poweroff\r\n' >"$dir/rescue.conf"
    ntfscp -f "$dir/data.img" "$dir/rescue.conf" bootmedic/rescue.conf >/dev/null
    [ "$keys_on_stick" = 1 ] && ntfscp -f "$dir/data.img" "$dir/practice-keys.csv" keys/practice-keys.csv >/dev/null
    [ -n "$port" ] && ntfscp -f "$dir/data.img" "$dir/collector/agent.conf" agent.conf >/dev/null
  fi
  dd if="$dir/data.img" of="$dir/stick.img" bs=512 seek="${r% *}" conv=notrunc status=none
  local media=(-device qemu-xhci -drive "if=none,id=stick,file=$dir/stick.img,format=raw" -device usb-storage,drive=stick,bootindex=0)
  local datadisk=(-device qemu-xhci -drive "if=none,id=data,file=$dir/data.img,format=raw" -device usb-storage,drive=data)
  local http_pid=""
  if [ "$kind" = cd ]; then
    media=(-drive "if=none,id=cd,file=$iso,format=raw,media=cdrom,readonly=on" -device ide-cd,drive=cd,bus=ide.0,bootindex=0 "${datadisk[@]}")
  elif [ "$kind" = pxe ]; then
    local net port
    net=$(dirname "$iso")/bootmedic-netboot
    [ -f "$net/boot.ipxe" ] || { echo "boot-test: $net/boot.ipxe missing (scripts/rescue/build.sh)" >&2; return 2; }
    port=$((20000 + RANDOM % 20000))
    mkdir -p "$dir/www"
    ln -s "$net"/* "$dir/www/"
    # qemu's iPXE may predate ${cwduri}: say the base, then chain the real script (relative to this one)
    printf '#!ipxe\nset base http://10.0.2.2:%s\nchain boot.ipxe\n' "$port" >"$dir/www/test.ipxe"
    python3 -m http.server --bind 127.0.0.1 --directory "$dir/www" "$port" >"$dir/http.log" 2>&1 &
    http_pid=$!
    sleep 1
    media=(-netdev "user,id=n0,bootfile=http://10.0.2.2:$port/test.ipxe" -device virtio-net-pci,netdev=n0,bootindex=0 "${datadisk[@]}")
  fi

  local fw=()
  local sb=0
  if [ "$kind" = uefi-sb ] || [ "$kind" = cd ]; then
    sb=1
    if [ ! -f "$code" ] || [ ! -f "$msvars" ]; then echo "boot-test: ovmf missing ($code, $msvars)" >&2; return 2; fi
    cp "$msvars" "$dir/vars.fd"
    fw=(-machine q35,smm=on,accel=tcg -global driver=cfi.pflash01,property=secure,value=on
        -drive "if=pflash,format=raw,unit=0,file=$code,readonly=on" -drive "if=pflash,format=raw,unit=1,file=$dir/vars.fd")
  else
    fw=(-machine q35,accel=tcg)
  fi
  local nonet=(-nic none)
  [ "$kind" = pxe ] && nonet=()
  [ "$kind" = collector ] && nonet=(-nic user,model=virtio-net-pci)
  # a NIC whose cable leads nowhere: a socket nobody connects to, so no DHCP answer ever comes
  [ "$kind" = collector-down ] && nonet=(-nic "socket,model=virtio-net-pci,listen=127.0.0.1:$((port + 1))")
  local bl_disk=()
  [ "$bitlocker" = 1 ] && bl_disk=(-drive "if=none,id=bl,file=$dir/bitlocker.img,format=raw" -device nvme,drive=bl,serial=BOOTMEDIC0002)
  echo "boot-test: [$kind] booting (TCG; timeout ${timeout_s}s)" >&2
  local start=$SECONDS rc=0
  timeout "$timeout_s" nice -n 19 qemu-system-x86_64 "${fw[@]}" -m 1536 -smp 2 \
    -display none -monitor none -serial "file:$dir/serial.log" -no-reboot \
    "${media[@]}" \
    -drive "if=none,id=win,file=$dir/windows.img,format=raw" -device nvme,drive=win,serial=BOOTMEDIC0001 \
    "${bl_disk[@]}" \
    "${nonet[@]}" >"$dir/qemu.log" 2>&1 || rc=$?
  local took=$((SECONDS - start))
  [ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null
  echo "boot-test: [$kind] guest ran ${took}s (qemu exit $rc)" >&2
  serial_tail() { echo "boot-test: [$kind] the guest's serial console, last lines:" >&2; tail -c 4000 "$dir/serial.log" | tr -d '\033\r' | sed "s/^/  [$kind] /" >&2; }
  if [ "$rc" -ne 0 ]; then
    echo "boot-test: [$kind] qemu did not power off by itself" >&2
    serial_tail
    [ -n "$collector_pid" ] && kill "$collector_pid" 2>/dev/null
    return 1
  fi

  local fail=0
  check() { # check DESCRIPTION COMMAND...: runs the command, says ok or FAILED
    local what=$1
    shift
    if "$@"; then echo "boot-test: [$kind] ok: $what" >&2; else echo "boot-test: [$kind] FAILED: $what" >&2; fail=1; fi
  }
  has() { [[ $2 == *"$1"* ]]; }               # has TEXT IN: a plain substring test (no grep -q under pipefail)
  matches() { grep -Eq -- "$1" <<<"$2"; }      # matches REGEX IN
  nonempty() { [ -n "$1" ]; }
  same() { [ -n "$1" ] && [ "$1" = "$2" ]; }
  differs() { [ "$1" != "$2" ]; }
  local serial
  serial=$(tr -d '\033\r' <"$dir/serial.log")
  check "serial console shows the FIXED banner" has "BANNER FIXED" "$serial"
  if [ "$kind" = collector ]; then
    check "serial console: the init got an address by DHCP and names the collector" \
      matches "network: [^ ]+ 10\.0\.2\.[0-9]+/24 via 10\.0\.2\.2 \(DHCP\): reports go to the stick and to the collector https://10\.0\.2\.2:$port" "$serial"
  elif [ "$kind" = collector-down ]; then
    check "serial console: the init says there is no network and what that means" \
      matches "network: no DHCP answer on [^ ]+ within 30 s: no collector \(https://10\.0\.2\.2:$port\): .*reports stay on the stick" "$serial"
  fi
  if [ "$sb" = 1 ]; then
    check "guest kernel: Secure boot enabled (serial console)" has "secureboot: Secure boot enabled" "$serial"
  fi

  # the data partition, read back with ntfs-3g's tools
  if [ "$kind" = cd ] || [ "$kind" = pxe ]; then cp "$dir/data.img" "$dir/data-after.img"; else extract "$dir/stick.img" 3 "$dir/data-after.img"; fi
  local reports json="" dm dmesg=""
  reports=$(ntfsls "$dir/data-after.img" -p /bootmedic/reports 2>/dev/null || true)
  local sent
  sent=$(ntfsls "$dir/data-after.img" -p /bootmedic/reports/sent 2>/dev/null || true)
  local disks=1 r all="" nfixed=0 nreports=0
  [ "$bitlocker" = 1 ] && disks=2
  # a report the collector took has moved to the outbox's sent/ folder
  for r in $(grep '^rescue-.*\.json$' <<<"$reports" || true) $(grep '^rescue-.*\.json$' <<<"$sent" | sed 's#^#sent/#' || true); do
    json=$(ntfscat "$dir/data-after.img" "/bootmedic/reports/$r" 2>/dev/null || true)
    nreports=$((nreports + 1))
    matches '"outcome" *: *"fixed"' "$json" && nfixed=$((nfixed + 1))
    all+="$json"$'\n'
  done
  check "$disks report(s) on BOOTMEDIC-DATA (bootmedic/reports/rescue-*.json)" same "$disks" "$nreports"
  check "every report says fixed" same "$disks" "$nfixed"
  json=$all
  local nsent
  nsent=$(grep -c '\.json$' <<<"$sent" || true)
  if [ "$kind" = collector ]; then
    check "the stick's outbox is empty: every report went to the collector (bootmedic/reports/sent)" \
      same 0 "$(grep -c '\.json$' <<<"$reports" || true)"
    # the collector's own account, through its admin API
    local admin machines audit
    admin=$(cat "$dir/collector/admin.token")
    machines=$(curl -sk -H "Authorization: Bearer $admin" "https://127.0.0.1:$port/api/v1/machines" || true)
    audit=$(curl -sk -H "Authorization: Bearer $admin" "https://127.0.0.1:$port/api/v1/audit" || true)
    kill "$collector_pid" 2>/dev/null
    wait "$collector_pid" 2>/dev/null || true
    local received outcomes
    received=$(grep -Eo '"reports" *: *[0-9]+' <<<"$machines" | grep -Eo '[0-9]+$' | awk '{ n += $1 } END { print n + 0 }')
    outcomes=$(grep -Eo '"outcome" *: *"[a-z-]*"' <<<"$machines" | sed 's/.*"\([a-z-]*\)"$/\1/' | sort -u | paste -sd, -)
    check "the collector received $disks report(s) (GET /api/v1/machines)" same "$disks" "$received"
    check "every machine on the collector says fixed" same fixed "$outcomes"
    if [ "$bitlocker" = 1 ]; then
      local keyid releases
      keyid=$(grep -Eio '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$dir/practice-keys.csv" | head -n1 | tr 'A-F' 'a-f')
      # one audit entry per {...} (the answer is pretty-printed: joined into one line first)
      releases=$(tr -d '\n' <<<"$audit" | grep -o '{[^{}]*}' | tr 'A-F' 'a-f' | grep '"key-release"' | grep -c "$keyid" || true)
      check "the collector released the BitLocker disk's recovery key to the guest (audit: key-release of $keyid)" \
        test "$releases" -ge 1
      check "no key file was on the stick" same 0 "$(ntfsls "$dir/data-after.img" -p /keys 2>/dev/null | grep -c '\.csv$' || true)"
    fi
  elif [ "$kind" = collector-down ]; then
    check "the reports stay in the stick's outbox (none in bootmedic/reports/sent)" same 0 "$nsent"
    # no hang: the guest powered off by itself (qemu exit 0 above, within BOOTMEDIC_BOOT_TIMEOUT)
    # after the agent gave up on the collector for each disk and left the report in the outbox
    check "the agent gave up on the collector and said where each report waits" \
      same "$disks" "$(grep -c 'It waits in /data/bootmedic/reports' <<<"$serial" || true)"
  fi
  if [ "$sb" = 1 ]; then
    dm=$(ntfsls "$dir/data-after.img" -p /bootmedic/logs 2>/dev/null | grep -m1 '^dmesg-' || true)
    [ -n "$dm" ] && dmesg=$(ntfscat "$dir/data-after.img" "/bootmedic/logs/$dm" 2>/dev/null || true)
    check "the guest's dmesg on BOOTMEDIC-DATA says Secure boot enabled" has "secureboot: Secure boot enabled" "$dmesg"
  fi

  # the Windows volume (partition 3 of the practice disk): the faulty file in quarantine, hash as reported
  extract "$dir/windows.img" 3 "$dir/win-after.img"
  local run qfile sha="" want drivers
  run=$(ntfsls "$dir/win-after.img" -p /bootmedic/quarantine 2>/dev/null | grep -v '^\.\.\?$' | head -n1 || true)
  qfile=Windows/System32/drivers/CrowdStrike/C-00000291-00000000-00000032.sys
  if [ -n "$run" ]; then
    sha=$(ntfscat "$dir/win-after.img" "/bootmedic/quarantine/$run/$qfile" 2>/dev/null | sha256sum | cut -d' ' -f1)
  fi
  want=ed2e071f2d81861365cba8f262b8879f94359e630d683b57bb838a095a9a0b14 # the practice tree's faulty channel file
  check "the reports name its SHA-256" has "$want" "$json"
  check "the faulty channel file is in bootmedic/quarantine/$run" differs "$sha" "$(sha256sum </dev/null | cut -d' ' -f1)"
  check "its SHA-256 is the report's ($want)" same "$want" "$sha"
  drivers=$(ntfsls "$dir/win-after.img" -p /Windows/System32/drivers/CrowdStrike 2>/dev/null || true)
  check "it is gone from Windows/System32/drivers/CrowdStrike" differs "$(grep -c 'C-00000291-00000000-00000032.sys' <<<"$drivers")" 1
  if [ "$bitlocker" = 1 ]; then
    # the BitLocker volume: decrypted on the host by bootmedic with the same key export, then ntfs-3g's tools
    java -jar "$jar" bitlocker decrypt --image "$dir/bitlocker.img" --key-file "$dir/practice-keys.csv" --out "$dir/bl-after.ntfs" >/dev/null 2>&1 || true
    local brun="" bsha="" bdrivers=""
    if [ -f "$dir/bl-after.ntfs" ]; then
      brun=$(ntfsls "$dir/bl-after.ntfs" -p /bootmedic/quarantine 2>/dev/null | grep -v '^\.\.\?$' | head -n1 || true)
      [ -n "$brun" ] && bsha=$(ntfscat "$dir/bl-after.ntfs" "/bootmedic/quarantine/$brun/$qfile" 2>/dev/null | sha256sum | cut -d' ' -f1)
      bdrivers=$(ntfsls "$dir/bl-after.ntfs" -p /Windows/System32/drivers/CrowdStrike 2>/dev/null || true)
    fi
    check "BitLocker disk: the channel file is in bootmedic/quarantine/$brun, SHA-256 as reported" same "$want" "$bsha"
    check "BitLocker disk: it is gone from the drivers folder" differs "$(grep -c 'C-00000291-00000000-00000032.sys' <<<"$bdrivers")" 1
  fi
  [ "$fail" -eq 0 ] || serial_tail
  echo "boot-test: [$kind] $( [ $fail -eq 0 ] && echo PASSED || echo FAILED ) in ${took}s of guest time" >&2
  return $fail
}

kinds=(uefi-sb bios cd pxe collector collector-down)
known() { local k; for k in "${kinds[@]}"; do [ "$k" = "$1" ] && return 0; done; return 1; }

status=0
if [ "$which_boot" = all ]; then
  run_one uefi-sb || status=1
  run_one bios || status=1
  exit $status
fi
IFS=, read -r -a wanted <<<"$which_boot"
for k in "${wanted[@]}"; do
  known "$k" || { echo "usage: boot-test.sh [KIND[,KIND...]|all] [ISO]; KIND: ${kinds[*]}" >&2; exit 2; }
done
if [ "${#wanted[@]}" -eq 1 ]; then
  run_one "${wanted[0]}" || status=1
  exit $status
fi
# several at once: each in its own subshell and work subfolder, then every result
pids=()
for k in "${wanted[@]}"; do
  run_one "$k" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
