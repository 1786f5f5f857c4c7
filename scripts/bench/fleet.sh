#!/usr/bin/env bash
# The incident storm: N armed machines in WinRE (threads of one JVM running the agent's real client
# code, one TLS context and one connection per request each, as separate machines) poll a collector
# on PostgreSQL for active playbooks with the agent's jittered backoff; a playbook is published;
# each machine verifies its signature itself, a share fetches its recovery password, and each posts
# its report. Prints the time from publish to 50 %, 95 % and 100 % reported, the latency of every
# request of the storm as the agents saw it, and checks that no report was lost and that every key
# release was audited once (counted in the database).
#   scripts/bench/fleet.sh [N]            (default 10000)
#   LOCKED=share (default 0.2)            machines whose OS volume is BitLocker-locked and need a key
#   POLL_BASE_MS / POLL_MAX_MS            the machines' backoff between empty polls (default 5000 / 60000)
#   THREADS (default 400)                 requests in flight at most (machines waiting in backoff hold none)
# Goal (issue #17, 2-core machine, 10,000 machines, one collector on PostgreSQL): 95 % reported within
# 5 minutes of publishing, no report lost, every key release audited.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}
locked=${LOCKED:-0.2}
[[ "$n" =~ ^[1-9][0-9]{0,6}$ ]] || { echo "fleet: N is a number of machines (1 to 9999999), not '$n'" >&2; exit 2; }

jar=target/bootmedic.jar
[ -f "$jar" ] || ./mvnw -q -B -ntp package -DskipTests
./mvnw -q -B -ntp -DskipTests test-compile
classes=modules/core/target/test-classes # the bench classes live with the core's tests
[ -d "$classes/io/bootmedic/bench" ] || { echo "fleet: the bench classes were not compiled (no io/bootmedic/bench under $classes)" >&2; exit 1; }

work=$(mktemp -d /tmp/bootmedic-fleet.XXXXXX)
pgdir=$(mktemp -u /tmp/bootmedic-fleet-pg.XXXXXX)
server=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  bash scripts/test/postgres-server.sh stop "$pgdir" 2>/dev/null || true
  rm -rf "$work" "$pgdir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_url=$(bash scripts/test/postgres-server.sh start "$pgdir" "$(free_port)")
port=$(free_port)
dir=$work/collector
java -jar "$jar" collector init --dir "$dir" --url "https://127.0.0.1:$port" >/dev/null

# the incident's playbook, signed; the collector trusts the key, and so does every machine's media
java -jar "$jar" playbook keygen --private "$work/incident.key" --public "$work/incident.pub" >/dev/null
mkdir -p "$dir/trusted-keys"
cp "$work/incident.pub" "$dir/trusted-keys/"
cat >"$work/storm.json" <<'JSON'
{
  "id": "storm",
  "version": "1",
  "title": "Fleet storm bench: the incident's channel file",
  "rules": [
    {
      "directory": "Windows/System32/drivers/CrowdStrike",
      "glob": "C-00000291*.sys",
      "action": "quarantine"
    }
  ]
}
JSON
java -jar "$jar" playbook sign --key "$work/incident.key" "$work/storm.json" >/dev/null

# one escrowed key per locked machine
keys=$(python3 -c "import math,sys; print(math.floor($n * $locked))")
python3 - "$work/keys.csv" "$work/keys.txt" "$keys" <<'PY'
import sys, uuid, random
csv, ids, n = open(sys.argv[1], "w"), open(sys.argv[2], "w"), int(sys.argv[3])
csv.write("Hostname,KeyID,RecoveryKey\n")
for i in range(n):
    g = str(uuid.uuid4()).upper()
    pw = "-".join("%06d" % (random.randrange(0, 65536) * 11) for _ in range(8))
    csv.write("FLEET-%05d,{%s},%s\n" % (i, g, pw)); ids.write(g + "\n")
PY

# Every machine shares the one agent token of its media, so the per-token key limit (default 120 a
# minute) would meter the whole fleet: in an incident the admin raises it (docs/self-healing.md).
java -Xmx1g -jar "$jar" collector serve --dir "$dir" --port "$port" --bind 127.0.0.1 --db "$pg_url" --key-rate 100000 \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 150); do curl -skf "https://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
admin=$(cat "$dir/admin.token")
curl -skf -H "Authorization: Bearer $admin" --data-binary @"$work/keys.csv" "https://127.0.0.1:$port/api/v1/keys/import?name=fleet.csv" >/dev/null

echo "fleet storm: $n machines ($keys BitLocker-locked), one collector on PostgreSQL, $(nproc) cores, load generator on the same machine"
# the whole CLI jar carries the agent's client code and its libraries; the harness is a test class
java -Xmx2g -Xss256k -cp "$jar:$classes" io.bootmedic.bench.FleetStorm --config "$dir/agent.conf" --admin-token-file "$dir/admin.token" \
  --playbook "$work/storm.json" --trusted-key "$work/incident.pub" --machines "$n" --keys "$work/keys.txt" \
  --poll-base-ms "${POLL_BASE_MS:-5000}" --poll-max-ms "${POLL_MAX_MS:-60000}" --threads "${THREADS:-400}" | tee "$work/storm.txt"

# what the database holds: every acknowledged report, every release audited once
pg_host_url=${pg_url#jdbc:}
psql_q() { psql "${pg_host_url%%\?*}?user=bootmedic" -qtA -c "$1"; }
stored=$(psql_q "SELECT count(*) FROM reports WHERE agent_version = 'fleet-storm'")
audited=$(psql_q "SELECT count(*) FROM audit WHERE action = 'key-release'")
distinct=$(psql_q "SELECT count(DISTINCT key_id) FROM audit WHERE action = 'key-release'")
acked=$(sed -n 's/^RESULT .* reported=\([0-9]*\) .*/\1/p' "$work/storm.txt")
released=$(sed -n 's/^RESULT .* keys=\([0-9]*\) .*/\1/p' "$work/storm.txt")
echo "database: $stored reports stored for $acked acknowledged; $audited key releases audited ($distinct keys) for $released released"
status=0
[ "$stored" -ge "$acked" ] || { echo "fleet: FAIL: $((acked - stored)) acknowledged reports are not in the database" >&2; status=1; }
[ "$audited" -ge "$released" ] || { echo "fleet: FAIL: $((released - audited)) released keys have no audit row" >&2; status=1; }
[ "$audited" -eq "$distinct" ] || echo "fleet: note: $((audited - distinct)) keys were released more than once (agents retried after an answer was lost)"
exit "$status"
