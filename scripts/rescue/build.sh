#!/usr/bin/env bash
# Builds target/bootmedic-rescue.iso: a hybrid ISO (CD, or a USB stick written with dd) that boots
#   UEFI with Secure Boot: Debian's signed shim (BOOTX64.EFI) -> Debian's signed GRUB (grubx64.efi,
#                          the CD image gcdx64.efi.signed) -> Debian's signed kernel
#   legacy BIOS:           GRUB i386-pc from grub-pc-bin, El Torito + the hybrid MBR boot_hybrid.img
# and a live system (debootstrap --variant=minbase bookworm + live-boot, squashfs root) carrying a
# jlinked Java runtime, the agent jar (built-in playbooks inside) and libntfs-3g; partition 3 is an
# NTFS volume labelled BOOTMEDIC-DATA for keys, agent.conf and reports. Also target/bootmedic-netboot/
# with the same kernel, initrd and squashfs and an iPXE script. docs/rescue-media.md says more.
#
# Usage: build.sh [--base-only] [OUT.iso]
#   --base-only  only the cached base system (step 1: the slow, network-bound part; needs no jar), so
#                scripts/test.sh can start it while Maven builds the jar; a later full build finds it
# Run as root (debootstrap/mmdebstrap, chroot). Everything downloaded is cached in $BOOTMEDIC_RESCUE_CACHE
# (default /var/cache/bootmedic-rescue): a rebuild with the same package list skips the base build.
# The base builder: mmdebstrap when installed (apt downloads in parallel; faster cold, see
# docs/rescue-media.md), else debootstrap; BOOTMEDIC_RESCUE_BASE_BUILDER=debootstrap|mmdebstrap chooses.
# Needs: mmdebstrap or debootstrap, xorriso squashfs-tools grub-common mtools dosfstools ntfs-3g
# (scripts/setup-debian.sh) and target/bootmedic-agent.jar (./mvnw -B -q -ntp -DskipTests package).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BOOTMEDIC_RESCUE_CACHE:-/var/cache/bootmedic-rescue}
mirror=${BOOTMEDIC_RESCUE_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
base_only=0
if [ "${1:-}" = --base-only ]; then base_only=1; shift; fi
out=${1:-$repo/target/bootmedic-rescue.iso}
jar=$repo/target/bootmedic-agent.jar
data_mib=${BOOTMEDIC_RESCUE_DATA_MIB:-32}
heavy=(nice -n 19 ionice -c3)
# its Debian packages (mmdebstrap, xorriso, squashfs-tools, ...), installed the first time, said so
[ "$(id -u)" -ne 0 ] || bash "$repo/scripts/setup-debian.sh" rescue-build
builder=${BOOTMEDIC_RESCUE_BASE_BUILDER:-$(command -v mmdebstrap >/dev/null && echo mmdebstrap || echo debootstrap)}
case "$builder" in debootstrap | mmdebstrap) ;; *) echo "build.sh: BOOTMEDIC_RESCUE_BASE_BUILDER must be debootstrap or mmdebstrap, not $builder" >&2; exit 1 ;; esac

[ "$(id -u)" -eq 0 ] || { echo "build.sh: run as root ($builder and chroot need it)" >&2; exit 1; }
tools=("$builder")
if [ "$base_only" = 0 ]; then
  [ -f "$jar" ] || { echo "build.sh: $jar missing; run ./mvnw -B -q -ntp -DskipTests package" >&2; exit 1; }
  tools+=(xorriso mksquashfs grub-mkimage mkfs.vfat mcopy mmd mkntfs ntfs-3g jlink)
fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool missing; run scripts/setup-debian.sh" >&2; exit 1; }
done

log() { echo "build.sh: $(date -u +%H:%M:%S) $*" >&2; }

# --- 1. the base system, cached by its package list -------------------------------------------------
# live-boot + initramfs-tools: the initrd that finds /live/filesystem.squashfs on the CD, stick or HTTP
# busybox: live-boot's initramfs needs it; our init uses its poweroff/reboot -f
# busybox: also udhcpc and ip for the wired network (init, dhcp.sh): no iproute2 or DHCP client package
packages=linux-image-amd64,live-boot,live-boot-initramfs-tools,initramfs-tools,busybox,ntfs-3g,libntfs-3g89,kmod,udev
# the builder is in the key: both give a minbase root with these packages, not the same bytes
key_text="$suite $mirror $packages v1"
[ "$builder" = debootstrap ] || key_text+=" $builder merged-usr" # debootstrap keeps the key of the caches made before
base_key=$(printf '%s' "$key_text" | sha256sum | cut -c1-12)
base=$cache/base-$base_key
mkdir -p "$cache/$builder" "$cache/debs"
# Two builds may share the cache (a developer and CI, two sessions): the shared part (the base,
# downloads) runs under a lock on the cache; everything after it happens in this build's own folder.
exec 9>"$cache/.lock"
flock 9
if [ ! -f "$base/.complete" ]; then
  log "$builder $suite minbase into $base (once; cached)"
  rm -rf --one-file-system "$base"
  if [ "$builder" = mmdebstrap ]; then
    # apt inside: parallel downloads; the .debs kept in $cache/mmdebstrap for the next package list.
    # mmdebstrap's merged-usr hook makes /usr merged itself and installs usr-is-merged, as debootstrap
    # does; without it apt takes the first alternative, usrmerge, which pulls in perl (47 MB more)
    # shellcheck disable=SC2016 # $1 is the hook's own argument (the new root), expanded by mmdebstrap
    "${heavy[@]}" mmdebstrap --mode=root --variant=minbase --include="$packages" --skip=essential/unlink \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
      --setup-hook="sync-in $cache/mmdebstrap /var/cache/apt/archives/" \
      --customize-hook="sync-out /var/cache/apt/archives $cache/mmdebstrap" \
      "$suite" "$base" "$mirror" >&2
  else
    "${heavy[@]}" debootstrap --variant=minbase --cache-dir="$cache/debootstrap" --include="$packages" \
      "$suite" "$base" "$mirror" >&2
  fi
  touch "$base/.complete"
fi
if [ "$base_only" = 1 ]; then
  log "base ready: $base"
  exit 0
fi

# --- 2. the boot loaders: Debian's signed shim and GRUB, GRUB for BIOS (packages unpacked, not installed)
boot_pkgs=(shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed grub-pc-bin)
# the candidate version each time (a security update replaces the old one); the cached one when offline
(cd "$cache/debs" && for p in "${boot_pkgs[@]}"; do
  apt-get download "$p" >/dev/null 2>&1 || ls "${p}"_*.deb >/dev/null 2>&1 || { echo "build.sh: cannot download $p" >&2; exit 1; }
done)
work=$(mktemp -d "$cache/work.XXXXXX")
loaders=$work/loaders
mkdir -p "$loaders"
for p in "${boot_pkgs[@]}"; do
  deb=$(find "$cache/debs" -name "${p}_*.deb" | sort -V | tail -n1)
  dpkg-deb -x "$deb" "$loaders"
  basename "$deb" >>"$loaders/versions"
done
shim=$loaders/usr/lib/shim/shimx64.efi.signed
mokmanager=$loaders/usr/lib/shim/mmx64.efi.signed
grub_efi=$loaders/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed # the CD image: finds /.disk/info, reads /boot/grub/grub.cfg
grub_pc=$loaders/usr/lib/grub/i386-pc
for f in "$shim" "$mokmanager" "$grub_efi" "$grub_pc/boot_hybrid.img" "$grub_pc/cdboot.img"; do
  [ -f "$f" ] || { echo "build.sh: $f missing from the Debian packages" >&2; exit 1; }
done

# --- 3. the live root: base + runtime + agent + init, pruned -------------------------------------------
flock -u 9 # the base and the loaders' .debs are read-only from here on
cleanup() {
  for m in dev/pts dev proc sys; do mountpoint -q "$work/root/$m" 2>/dev/null && umount -l "$work/root/$m"; done
  return 0
}
# --one-file-system: never into a bind mount that failed to come off
trap 'cleanup; [ -n "${BOOTMEDIC_KEEP:-}" ] || rm -rf --one-file-system "$work"' EXIT
log "copying the base system"
cp -a "$base" "$work/root"
root=$work/root
rm -f "$root/.complete"

log "jlink: the runtime the agent needs (jdeps: java.base, java.sql; java.desktop only for JNA's AWT helpers, left out)"
"${heavy[@]}" jlink --add-modules java.base,java.sql,java.logging,jdk.crypto.ec \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$root/opt/bootmedic/runtime"
cp "$jar" "$root/opt/bootmedic/bootmedic.jar"
cp "$repo/agent/bootmedic" "$root/opt/bootmedic/bootmedic"
mkdir -p "$root/opt/bootmedic/playbooks"
cp "$repo"/agent/playbooks/*.json "$root/opt/bootmedic/playbooks/"
install -m 0755 "$repo/scripts/rescue/init" "$root/sbin/init"
install -m 0755 "$repo/scripts/rescue/dhcp.sh" "$root/opt/bootmedic/dhcp.sh" # udhcpc's event script
echo bootmedic-rescue >"$root/etc/hostname"

# Kernel modules nobody needs to reach a disk, a keyboard or a wired network (the largest part of the root)
kver=$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)
mods=$root/lib/modules/$kver/kernel
rm -rf "$mods"/drivers/gpu "$mods"/drivers/media "$mods"/drivers/net/wireless "$mods"/drivers/staging \
  "$mods"/drivers/infiniband "$mods"/drivers/isdn "$mods"/drivers/bluetooth "$mods"/drivers/iio \
  "$mods"/drivers/net/can "$mods"/drivers/net/ethernet/mellanox "$mods"/drivers/net/ethernet/chelsio \
  "$mods"/drivers/net/ethernet/qlogic "$mods"/drivers/net/ethernet/netronome "$mods"/drivers/net/ethernet/sfc \
  "$mods"/drivers/net/ethernet/cavium "$mods"/drivers/scsi/qla2xxx "$mods"/drivers/scsi/lpfc \
  "$mods"/drivers/scsi/bfa "$mods"/drivers/scsi/be2iscsi "$mods"/drivers/comedi \
  "$mods"/sound "$mods"/arch/x86/kvm "$mods"/net/wireless "$mods"/net/mac80211 "$mods"/net/bluetooth \
  "$mods"/fs/ocfs2 "$mods"/fs/gfs2 "$mods"/fs/ceph "$mods"/fs/nfs* "$mods"/fs/xfs "$mods"/fs/btrfs "$mods"/fs/f2fs \
  "$mods"/fs/smb "$mods"/fs/cifs "$mods"/fs/jfs "$mods"/fs/reiserfs "$mods"/fs/nilfs2 "$mods"/fs/afs

# Rebuild the initrd for the pruned modules (live-boot's hooks are in it), xz for size
mount --bind /proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
[ -x "$root/usr/bin/xz" ] && sed -i 's/^COMPRESS=.*/COMPRESS=xz/' "$root/etc/initramfs-tools/initramfs.conf"
chroot "$root" depmod "$kver"
log "update-initramfs"
"${heavy[@]}" chroot "$root" update-initramfs -u -k "$kver" >&2
cleanup

# Size: no docs, manuals, locales, apt lists or caches in the image
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian \
  "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/cache/debconf/*-old "$root"/var/log/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true

# --- 4. the ISO tree -----------------------------------------------------------------------------------
iso=$work/iso
mkdir -p "$iso/live" "$iso/.disk" "$iso/boot/grub/i386-pc" "$iso/EFI/boot"
cp "$root/boot/vmlinuz-$kver" "$iso/live/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$iso/live/initrd.img"
rm -rf "${root:?}/boot"/*
log "mksquashfs"
# zstd, not xz: 2.6x faster to build (96 s against 254 s, measured) for 13 MB more, and quicker to
# read at boot; Debian's kernel has CONFIG_SQUASHFS_ZSTD
"${heavy[@]}" mksquashfs "$root" "$iso/live/filesystem.squashfs" -comp zstd -b 1M -noappend -no-progress >&2
echo "bootmedic rescue $(date -u +%Y-%m-%d) (Debian $suite, kernel $kver)" >"$iso/.disk/info"
cp "$loaders/versions" "$iso/.disk/loaders"

cmdline="boot=live live-media-path=/live quiet"
cat >"$iso/boot/grub/grub.cfg" <<EOF
# bootmedic rescue (scripts/rescue/build.sh). On BIOS the menu is shown on the first serial port too
# (UEFI firmware usually mirrors its console there itself), for headless machines and VMs.
if [ "\$grub_platform" = pc ]; then
  if serial --unit=0 --speed=115200; then
    terminal_input --append serial
    terminal_output --append serial
  fi
fi
set timeout=5
set default=0
menuentry "bootmedic rescue (console)" {
  linux /live/vmlinuz $cmdline console=ttyS0,115200n8 console=tty0
  initrd /live/initrd.img
}
menuentry "bootmedic unattended: fix every disk, then restart" {
  linux /live/vmlinuz $cmdline console=ttyS0,115200n8 console=tty0 bootmedic.mode=fix bootmedic.after=reboot
  initrd /live/initrd.img
}
menuentry "bootmedic unattended: fix every disk, then power off" {
  linux /live/vmlinuz $cmdline console=ttyS0,115200n8 console=tty0 bootmedic.mode=fix bootmedic.after=poweroff
  initrd /live/initrd.img
}
EOF

# BIOS: GRUB's El Torito core, built by grub-mkimage from grub-pc-bin's modules (as grub-mkrescue does)
cp "$grub_pc"/*.mod "$grub_pc"/*.lst "$iso/boot/grub/i386-pc/"
grub-mkimage -d "$grub_pc" -O i386-pc-eltorito -p /boot/grub -o "$iso/boot/grub/i386-pc/eltorito.img" \
  biosdisk iso9660 part_gpt part_msdos search search_fs_file normal configfile linux serial terminal echo test

# UEFI: shim as BOOTX64.EFI with the signed GRUB and MokManager beside it, in a FAT image (El Torito
# EFI entry and GPT partition 2) and in the ISO tree (firmware that reads ISO 9660)
efi_img=$work/efi.img
truncate -s 8M "$efi_img"
mkfs.vfat -n BOOTMEDIC "$efi_img" >/dev/null
mmd -i "$efi_img" ::/EFI ::/EFI/boot
mcopy -i "$efi_img" "$shim" ::/EFI/boot/bootx64.efi
mcopy -i "$efi_img" "$grub_efi" ::/EFI/boot/grubx64.efi
mcopy -i "$efi_img" "$mokmanager" ::/EFI/boot/mmx64.efi
cp "$shim" "$iso/EFI/boot/bootx64.efi"
cp "$grub_efi" "$iso/EFI/boot/grubx64.efi"
cp "$mokmanager" "$iso/EFI/boot/mmx64.efi"

# The writable data partition (partition 3): NTFS, so Windows machines can put keys on it too
data_img=$work/data.img
truncate -s "${data_mib}M" "$data_img"
mkntfs -F -f -Q -q -L BOOTMEDIC-DATA "$data_img" >/dev/null 2>&1
mkdir -p "$work/data-mnt"
ntfs-3g "$data_img" "$work/data-mnt"
mkdir -p "$work/data-mnt/keys" "$work/data-mnt/bootmedic/reports"
cat >"$work/data-mnt/README.txt" <<'EOF'
bootmedic rescue data partition (BOOTMEDIC-DATA)
  keys\            recovery-key exports (CSV, LDIF, Graph JSON), *.BEK startup keys, a *.bundle key bundle
                   and its *.passphrase; all are offered to every BitLocker volume
  agent.conf       from 'bootmedic collector init': reports go to the collector too
  bootmedic\rescue.conf   optional: mode=fix and after=poweroff|reboot|shell (unattended without the menu)
  bootmedic\reports\      the reports and logs of each run
EOF
umount "$work/data-mnt"

# --- 5. the hybrid ISO ---------------------------------------------------------------------------------
# Layout as Debian/Ubuntu's current hybrid images: GRUB's hybrid MBR for BIOS, a GPT whose partition 2 is
# the ESP (also the El Torito EFI image) and partition 3 the data volume; the ISO 9660 tree from sector 64.
mkdir -p "$(dirname "$out")"
log "xorriso"
"${heavy[@]}" xorriso -as mkisofs -r -J -joliet-long -V BOOTMEDIC_RESCUE -o "$out" \
  --grub2-mbr "$grub_pc/boot_hybrid.img" -partition_offset 16 --mbr-force-bootable \
  -append_partition 2 0xef "$efi_img" \
  -append_partition 3 0x07 "$data_img" -appended_part_as_gpt \
  -c /boot.catalog \
  -b /boot/grub/i386-pc/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info \
  -eltorito-alt-boot -e '--interval:appended_partition_2:all::' -no-emul-boot \
  "$iso" >"$work/xorriso.log" 2>&1 || { cat "$work/xorriso.log" >&2; exit 1; }

# --- 6. network boot: the same kernel, initrd and root, and an iPXE script -----------------------------
net=$(dirname "$out")/bootmedic-netboot
rm -rf "$net" && mkdir -p "$net"
cp "$iso/live/vmlinuz" "$iso/live/initrd.img" "$iso/live/filesystem.squashfs" "$net/"
cat >"$net/boot.ipxe" <<'EOF'
#!ipxe
# bootmedic rescue over the network, unattended (bootmedic.mode=fix). Serve this folder over HTTP
# and chain this script: chain http://SERVER/bootmedic/boot.ipxe
# iPXE fetches the relative names below next to this script; live-boot then fetches the root over
# HTTP from ${base}: this script's own folder (${cwduri}), or the base a calling script set first
# (an iPXE without cwduri: set base http://SERVER/bootmedic then chain this script).
# Under Secure Boot use Debian's shim + grubnetx64.efi.signed instead: iPXE is not signed for it.
isset ${base} || set base ${cwduri}
kernel vmlinuz initrd=initrd.img boot=live fetch=${base}/filesystem.squashfs console=ttyS0,115200n8 console=tty0 bootmedic.mode=fix bootmedic.after=reboot
initrd initrd.img
boot
EOF

# --- 7. what took the space ------------------------------------------------------------------------------
{
  echo "ISO $(du -k --apparent-size "$out" | cut -f1) KiB: $out"
  du -k --apparent-size "$iso/live/filesystem.squashfs" "$iso/live/vmlinuz" "$iso/live/initrd.img" "$efi_img" "$data_img"
  echo "uncompressed root by folder (KiB):"
  du -k -x -d 3 "$root" 2>/dev/null | sort -rn | sed -n 1,15p
  echo "boot loaders: $(tr '\n' ' ' <"$loaders/versions")"
} | tee "$(dirname "$out")/bootmedic-rescue.sizes.txt" >&2
log "done: $out"
