#!/usr/bin/env bash
# Playbook-scope benchmark (issue 22): what a publication scoped to 10,000 machines costs the agents'
# poll (GET /api/v1/playbooks/active) and key release, against the same playbook scoped to all.
# A real collector (java -jar), one signed playbook published with --scope all, then the same bytes
# re-published with --scope machines=FILE (10,000 names); wrk on loopback, HTTPS, in both states:
#   polls/s and p99 alone; key releases/s and p99 alone; key releases while 8 connections poll.
#   scripts/bench/scopes.sh [SECONDS]     (default 20 s per phase, each after 10 s of warm-up)
#   JAR=FILE (default target/bootmedic.jar): the build to measure, e.g. an older one to compare with.
#   BACKENDS="sqlite postgresql" (default sqlite): which databases.
# Goal: the 10,000-name scope costs less than 10 % of the polls a second of the scope all.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
jar=${JAR:-target/bootmedic.jar}
[ -f "$jar" ] || ./mvnw -q -B -ntp package -DskipTests
backends=${BACKENDS:-sqlite}
bash scripts/setup-debian.sh build disks collector # wrk, PostgreSQL, HAProxy

load_start=$(cut -d' ' -f1-3 /proc/loadavg)  # other work on the machine moves the figures: say how much there was
work=$(mktemp -d /tmp/bootmedic-bench-scopes.XXXXXX)
pgdir=$(mktemp -u /tmp/bootmedic-bench-pg.XXXXXX)  # directly under /tmp: the postgres user must reach it
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash scripts/test/postgres-server.sh stop "$pgdir" 2>/dev/null || true
  rm -rf "$work" "$pgdir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# p99 from wrk's --latency distribution, in ms; requests/s
p99_ms() { awk '/^ +99%/ { v=$2; if (v ~ /us$/) { sub(/us/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v) } else if (v ~ /s$/) { sub(/s/,"",v); v=v*1000 }; printf "%.1f", v }' "$1"; }
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
bootmedic() { java -jar "$jar" "$@"; }

# 10,000 machine names, as an admin would list them, and the signed playbook
seq -f 'PC-%05g' 0 9999 >"$work/machines.txt"
cat >"$work/cf290.json" <<'JSON'
{"id":"bench-cf290","title":"Channel file 290 (benchmark)","version":1,
 "rules":[{"directory":"Windows/System32/drivers/CrowdStrike","glob":"C-00000290*.sys","headerHex":"AAAAAAAA",
           "modifiedBefore":"2024-07-19T05:27:00Z","action":"quarantine"}]}
JSON
bootmedic playbook keygen --private "$work/sign.key" --public "$work/sign.pub" >/dev/null
bootmedic playbook sign --key "$work/sign.key" "$work/cf290.json" >/dev/null
python3 scripts/bench/collector/make-keys.py "$work/keys.csv" "$work/keys.txt"

results=()
declare -A polls  # polls/s by "backend scope"
# phases NAME URL STATE: polls alone, key releases alone, key releases beside polling; appends a result row
phases() {
  local name=$1 url=$2 state=$3
  echo "== $name, scope $state: polls, ${seconds}s, 2 threads x 16 connections (after 10 s warm-up)"
  TOKEN=$agent wrk -t2 -c16 -d10s -s scripts/bench/collector/get-active.lua "$url" >/dev/null
  TOKEN=$agent wrk -t2 -c16 -d"${seconds}s" --latency -s scripts/bench/collector/get-active.lua "$url" >"$work/$name-$state-poll.txt"
  grep -E "Requests/sec|Non-2xx| 99%" "$work/$name-$state-poll.txt" || true
  echo "== $name, scope $state: key release, ${seconds}s, 1 thread x 4 connections"
  TOKEN=$agent KEYS="$work/keys.txt" wrk -t1 -c4 -d"${seconds}s" --latency -s scripts/bench/collector/get-key.lua "$url" >"$work/$name-$state-keys.txt"
  grep -E "Requests/sec|Non-2xx| 99%" "$work/$name-$state-keys.txt" || true
  echo "== $name, scope $state: key release while 8 connections poll, ${seconds}s"
  TOKEN=$agent wrk -t1 -c8 -d"$((seconds + 2))s" -s scripts/bench/collector/get-active.lua "$url" >"$work/$name-$state-beside.txt" &
  local poller=$!
  sleep 1
  TOKEN=$agent KEYS="$work/keys.txt" wrk -t1 -c4 -d"${seconds}s" --latency -s scripts/bench/collector/get-key.lua "$url" >"$work/$name-$state-keys-busy.txt"
  wait "$poller"
  grep -E "Requests/sec|Non-2xx| 99%" "$work/$name-$state-keys-busy.txt" || true
  local poll_rps
  poll_rps=$(rps "$work/$name-$state-poll.txt")
  polls["$name $state"]=$poll_rps
  results+=("$(printf '%-12s %-16s %9s %8s %9s %8s %14s %8s' "$name" "$state" "$poll_rps" "$(p99_ms "$work/$name-$state-poll.txt")" \
    "$(rps "$work/$name-$state-keys.txt")" "$(p99_ms "$work/$name-$state-keys.txt")" \
    "$(rps "$work/$name-$state-keys-busy.txt")" "$(p99_ms "$work/$name-$state-keys-busy.txt")")")
}

run_backend() {
  local name=$1 db=$2
  local dir="$work/$name" port url
  port=$(free_port)
  url="https://127.0.0.1:$port"
  bootmedic collector init --dir "$dir" --url "$url" >/dev/null
  cp "$work/sign.pub" "$dir/trusted-keys/"
  local args=(collector serve --dir "$dir" --port "$port" --bind 127.0.0.1 --key-rate 100000000 --threads 16)
  [ -n "$db" ] && args+=(--db "$db")
  java -Xmx1g -jar "$jar" "${args[@]}" >"$work/$name-server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 150); do curl -skf "$url/healthz" >/dev/null && break; sleep 0.2; done
  local admin
  admin=$(cat "$dir/admin.token")
  agent=$(sed -n 's/^collector.token=//p' "$dir/agent.conf")
  curl -skf -H "Authorization: Bearer $admin" --data-binary @"$work/keys.csv" "$url/api/v1/keys/import?name=bench.csv" >/dev/null
  local publish=(collector playbook publish "$work/cf290.json" --config "$dir/agent.conf" --admin-token-file "$dir/admin.token")

  bootmedic "${publish[@]}" --scope all
  check_served "$url"
  phases "$name" "$url" all
  bootmedic "${publish[@]}" --scope "machines=$work/machines.txt"
  check_served "$url"
  phases "$name" "$url" machines10000
  results+=("$(printf '%-12s %-16s %8s%%' "$name" "10,000 / all" "$(awk -v a="${polls["$name all"]}" -v m="${polls["$name machines10000"]}" 'BEGIN { printf "%.1f", 100 * m / a }')")")
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
}

# the poll answers the playbook to a machine in scope (in another case) and nothing to one outside
check_served() {
  local url=$1
  curl -skf -H "Authorization: Bearer $agent" "$url/api/v1/playbooks/active?computerName=pc-04242" | grep -q '"publication"' \
    || { echo "the playbook is not served to pc-04242" >&2; exit 1; }
}

if [[ " $backends " == *" sqlite "* ]]; then
  run_backend sqlite ""
fi
if [[ " $backends " == *" postgresql "* ]]; then
  if pg_url=$(bash scripts/test/postgres-server.sh start "$pgdir" "$(free_port)" 2>"$work/pg.err"); then
    run_backend postgresql "$pg_url"
  else
    echo "PostgreSQL not available: $(cat "$work/pg.err")" >&2
  fi
fi

echo
echo "playbook-scope benchmark: $jar ($(nproc) cores, load $load_start at the start and $(cut -d' ' -f1-3 /proc/loadavg) at the end, wrk on the same machine, HTTPS, ${seconds} s per phase), $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-12s %-16s %9s %8s %9s %8s %14s %8s\n' backend scope "polls/s" "p99 ms" "keys/s" "p99 ms" "keys/s polled" "p99 ms"
printf '%s\n' "${results[@]}"
echo "(polls: GET /api/v1/playbooks/active for a random machine of the 10,000, each in scope; keys polled: key release while 8 connections poll)"
echo "goal: the 10,000-name scope keeps at least 90 % of the polls a second of the scope all"
