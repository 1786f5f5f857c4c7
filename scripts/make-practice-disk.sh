#!/usr/bin/env bash
# Makes an empty practice Windows system disk image: GPT with an EFI system partition (FAT32),
# a Microsoft reserved partition and a basic-data NTFS partition, like a Windows install leaves.
# Fill it with 'bootmedic practice-tree --image FILE'. Needs sgdisk, mkfs.fat, mkntfs (scripts/setup-debian.sh).
set -euo pipefail
out=${1:?usage: make-practice-disk.sh OUT.img [SIZE_MIB]}
size_mib=${2:-256}

rm -f "$out"
truncate -s "${size_mib}M" "$out"
# (sgdisk has no -q; a stray -q makes it write nothing)
sgdisk -n 1:2048:+100M -t 1:ef00 -c 1:"EFI system partition" \
       -n 2:0:+16M -t 2:0c01 -c 2:"Microsoft reserved partition" \
       -n 3:0:0 -t 3:0700 -c 3:"Basic data partition" "$out" >/dev/null

sector_of() { sgdisk -i "$1" "$out" | awk -v k="$2" '$0 ~ k {print $3}'; }
esp_start=$(sector_of 1 "First sector")
esp_end=$(sector_of 1 "Last sector")
mkfs.fat -F 32 -n SYSTEM --offset "$esp_start" "$out" $(( (esp_end - esp_start + 1) / 2 )) >/dev/null 2>&1

ntfs_start=$(sector_of 3 "First sector")
ntfs_end=$(sector_of 3 "Last sector")
part=$(mktemp /tmp/bootmedic-ntfs.XXXXXX)
trap 'rm -f "$part"' EXIT
truncate -s $(( (ntfs_end - ntfs_start + 1) * 512 )) "$part"
mkntfs -F -f -Q -q -L Windows -p "$ntfs_start" -H 255 -S 63 "$part" >/dev/null 2>&1
dd if="$part" of="$out" bs=1M seek=$(( ntfs_start * 512 )) oflag=seek_bytes conv=notrunc,sparse status=none
