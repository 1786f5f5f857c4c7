#!/usr/bin/env bash
# Installs what building, the demo and the tests need on Debian/Ubuntu. Safe to run again:
# it only calls apt-get when a package is missing.
set -euo pipefail

packages=(
  openjdk-17-jdk-headless maven unzip  # build (./mvnw fetches the pinned Maven; the Debian one is a fallback)
  xz-utils tar                    # unpacking shared test data
  ntfs-3g libntfs-3g89 ntfs-3g-dev  # NTFS images, the library bootmedic drives through JNA, its headers (struct checks)
  gdisk fdisk dosfstools qemu-utils  # partitioned disk images (GPT, MBR), VHD/VHDX
  mtools                          # an independent FAT reader and writer: puts a real BCD on an ESP, reads back what bootmedic wrote
  qemu-system-x86                 # a real guest holding its disk open: the image-lock test
  libhivex-bin                    # independent registry hive reader to check ours against
  libwin-hivex-perl libregf-utils  # hivexregedit --export and regfinfo/regfexport: more readers of the hives bootmedic edits
  dislocker libbde-utils          # independent BitLocker readers to check ours against
  libfsntfs-utils                 # independent NTFS reader
  libvhdi-utils                   # independent VHD reader (vhdiinfo) to check the footer-copy fallback against
  shellcheck                      # lint for the shell scripts
  gcc libc6-dev                   # compiles offsetof() checks of the libntfs-3g structs
  postgresql                      # the collector's tests and benchmark run against a real server (started by the tests)
  haproxy                         # the two-collector test puts Debian's load balancer in front of two collectors
  chromium chromium-driver        # the dashboard test drives a real headless browser
  wrk curl                        # the collector benchmark's load generator
  python3-yaml                    # parses the SSM document and the Kubernetes manifests in the mass-remediation tests
  util-linux mount udev psmisc    # flock, blockdev, lsblk, losetup, udevadm, fuser: the worker-side disk checks and their loop-device tests
  awscli azure-cli google-cloud-cli  # the route tests run the real cloud CLIs against local endpoints
  python3-botocore                # the EC2/SSM service models the AWS test endpoint answers from
  libvirt-clients libvirt-daemon  # real virsh (the KVM route test uses libvirt's test driver)
  wimtools                        # wimlib: stage-wim.sh puts the agent into WinRE images; its tests build WIMs
  dmidecode                       # independent SMBIOS decoder: judges bootmedic's reading of the raw firmware table
  mmdebstrap squashfs-tools xorriso grub-common  # scripts/rescue/build.sh: the rescue ISO's root (apt downloads in parallel: faster than debootstrap), its squashfs, the hybrid ISO, grub-mkimage for its BIOS boot
  ovmf                            # scripts/rescue/boot-test.sh: UEFI firmware with Secure Boot and Microsoft's keys (OVMF_CODE_4M.secboot.fd, OVMF_VARS_4M.ms.fd)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
echo "setup: installing ${missing[*]}" >&2
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
