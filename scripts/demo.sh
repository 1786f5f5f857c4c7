#!/usr/bin/env bash
# The whole job on a practice copy of a bootlooped Windows drive: scan, fix, report, undo.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-debian.sh demo # only what the demo runs: Java, ntfs-3g, the disk tools
echo "== building bootmedic (about a minute the first time: Maven fetches the libraries once)"
# -Pquick: without Error Prone's lint pass (a third of the CPU time); CI builds with it
./mvnw -B -q -ntp -DskipTests -Pquick package
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

printf '\n== 7. The collector: the fleet in one place (HTTPS, pinned certificate, tokens shown once)\n'
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '$ bootmedic collector init --dir %s --url https://127.0.0.1:%s\n' "$work/collector" "$port"
bm collector init --dir "$work/collector" --url "https://127.0.0.1:$port" | sed -E 's/(bm(adm|agt)_).{20,}/\1… (shown once; hidden in this demo)/'
# java itself in the background, not the bm function: a function started with & is a subshell,
# and killing that would leave the collector's JVM running after the demo
java -jar target/bootmedic.jar collector serve --dir "$work/collector" --port "$port" --bind 127.0.0.1 >"$work/collector.log" 2>&1 &
collector_pid=$!
trap 'kill "$collector_pid" 2>/dev/null || true; wait "$collector_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -skf "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
bm practice-tree "$work/second-pc" >/dev/null
step "8. A machine fixed with agent.conf reports itself" fix --root "$work/second-pc" --config "$work/collector/agent.conf" --outbox "$work/usb-outbox"
bm fix --root "$work/second-pc" --config "$work/collector/agent.conf" --outbox "$work/usb-outbox" | tail -2
printf '\n$ curl https://127.0.0.1:%s/api/v1/machines (admin token)\n' "$port"
curl -sk -H "Authorization: Bearer $(cat "$work/collector/admin.token")" "https://127.0.0.1:$port/api/v1/machines"
printf '\nDashboard: https://127.0.0.1:%s/ (log in with %s; this demo stops it now)\n' "$port" "$work/collector/admin.token"

printf '\nDemo files are in %s (delete them when done).\n' "$work"
