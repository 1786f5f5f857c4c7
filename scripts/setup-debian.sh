#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages a script needs, and only those: each script names what it is
# about to do, and this installs that part's packages the first time it is needed (and says so).
#   bash scripts/setup-debian.sh demo           what scripts/demo.sh runs
#   bash scripts/setup-debian.sh rescue-build   what scripts/rescue/build.sh runs
#   bash scripts/setup-debian.sh all            everything every test needs (scripts/test.sh, CI)
# Several parts at once: setup-debian.sh demo bench. No argument means 'all'. Safe to run again:
# it calls apt-get only when a package is missing.
set -euo pipefail

declare -A part why
part[build]="openjdk-17-jdk-headless unzip"
why[build]="Java 17 and unzip for ./mvnw (it fetches the pinned Maven)"
part[disks]="ntfs-3g libntfs-3g89 gdisk fdisk dosfstools"
why[disks]="ntfs-3g (bootmedic drives libntfs-3g through JNA), sgdisk, mkfs.fat: practice disk images"
part[demo]="curl python3"
why[demo]="curl talks to the demo's collector"
part[images]="qemu-utils libvhdi-utils mtools"
why[images]="qemu-img (qcow2, VHDX) and independent VHD and FAT readers that judge what bootmedic wrote"
part[oracles]="libhivex-bin libwin-hivex-perl libregf-utils dislocker libbde-utils libfsntfs-utils dmidecode xz-utils tar"
why[oracles]="independent readers of hives, BitLocker, NTFS and SMBIOS to check bootmedic against; xz for the shared test data"
part[lint]="shellcheck gcc libc6-dev"
why[lint]="shellcheck for every script; gcc for the offsetof() checks of libntfs-3g's structs"
part[collector]="postgresql haproxy chromium chromium-driver wrk curl"
why[collector]="a real PostgreSQL, HAProxy in front of two collectors, headless Chromium for the dashboard, wrk for load"
part[cloud]="python3-yaml awscli azure-cli google-cloud-cli python3-botocore libvirt-clients libvirt-daemon util-linux mount udev psmisc"
why[cloud]="the real cloud CLIs and virsh against local endpoints; the worker-side disk checks (flock, lsblk, losetup, fuser)"
part[vm]="qemu-system-x86"
why[vm]="a real guest that holds its disk open (the image-lock and KVM tests)"
part[winre]="wimtools"
why[winre]="wimlib: stage-wim.sh puts the agent into WinRE images"
part[rescue-build]="mmdebstrap squashfs-tools xorriso grub-common mtools dosfstools ntfs-3g"
why[rescue-build]="the rescue ISO: its Debian root (mmdebstrap: apt downloads in parallel), squashfs, the hybrid ISO, GRUB's BIOS image, its ESP and data partition"
part[rescue-boot]="qemu-system-x86 ovmf ntfs-3g gdisk curl"
why[rescue-boot]="booting the rescue ISO under OVMF with Secure Boot and Microsoft's keys, reading the result back; curl asks the test collector"
part[bench]="hyperfine"
why[bench]="hyperfine times whole commands"

# what each entry point needs
declare -A profile
profile[build]="build"
profile[demo]="build disks demo"
profile[all]="build disks demo images oracles lint collector cloud vm winre rescue-build rescue-boot"

wanted=("$@")
[ "${#wanted[@]}" -gt 0 ] || wanted=(all)
parts=()
for w in "${wanted[@]}"; do
  if [ -n "${profile[$w]:-}" ]; then
    read -r -a ps <<<"${profile[$w]}"
    parts+=("${ps[@]}")
  elif [ -n "${part[$w]:-}" ]; then
    parts+=("$w")
  else
    echo "setup: unknown part '$w' (known: ${!profile[*]} ${!part[*]})" >&2
    exit 2
  fi
done

missing=()
reasons=()
for p in "${parts[@]}"; do
  read -r -a pkgs <<<"${part[$p]}"
  new=()
  for pkg in "${pkgs[@]}"; do
    [[ " ${missing[*]} " == *" $pkg "* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || new+=("$pkg")
  done
  if [ "${#new[@]}" -gt 0 ]; then
    missing+=("${new[@]}")
    reasons+=("  ${new[*]}: ${why[$p]}")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
echo "setup: installing ${#missing[@]} Debian package(s), once:" >&2
printf '%s\n' "${reasons[@]}" >&2
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
