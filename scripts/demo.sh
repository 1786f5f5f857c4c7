#!/usr/bin/env bash
# The whole job on a practice copy of a bootlooped Windows drive: scan, fix, report, undo.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh
echo "== building bootmedic"
mvn -B -q -ntp -DskipTests package
bm() { java -jar target/bootmedic.jar "$@"; }

work=$(mktemp -d /tmp/bootmedic-demo.XXXXXX)
drive="$work/c"
step() { printf '\n== %s\n$ bootmedic %s\n' "$1" "${*:2}"; }

bm practice-tree "$drive"
step "1. Look first: nothing is changed (exit 1 = work found)" scan --root "$drive"
bm scan --root "$drive" || echo "(exit $?)"

step "2. Fix: the faulty channel file goes to quarantine on the same volume" fix --root "$drive" --outbox "$work/usb-outbox"
bm fix --root "$drive" --outbox "$work/usb-outbox"

report=$(ls "$work"/usb-outbox/*.json)
printf '\n== 3. The report (also on the volume under bootmedic/reports/)\n'
cat "$report"

step "4. Run again: nothing left to fix (exit 0)" fix --root "$drive"
bm fix --root "$drive"

step "5. Changed your mind? Undo puts the file back with its bytes and times" undo --root "$drive"
bm undo --root "$drive"

printf '\n== 6. The same offline, on a GPT disk image, as a Linux rescue VM sees an attached OS disk\n'
bash scripts/make-practice-disk.sh "$work/disk.img" 256
bm practice-tree --image "$work/disk.img"
printf '$ bootmedic fix --image %s\n' "$work/disk.img"
bm fix --image "$work/disk.img"

printf '\nDemo files are in %s (delete them when done).\n' "$work"
