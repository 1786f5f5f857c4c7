#!/usr/bin/env bash
# Collector benchmark: sustained report ingestion (reports/s, p99), key-release latency, and the
# dashboard's first page with 100,000 machines, on SQLite and on PostgreSQL, load from wrk on loopback.
#   scripts/bench/collector.sh [SECONDS]        (default 20 s per load phase)
#   JAR=FILE (default target/bootmedic.jar): the build to measure, e.g. an older one to compare with.
#   BACKENDS="sqlite postgresql" (the default): which databases. INGEST_ONLY=1: report ingestion only
#   (no key release, dashboard, slow connections or HAProxy), for comparing two builds quickly.
#   WARMUP=S (default 30): seconds of the same load before the measured phase. The first 15 s of it
#   are measured on their own and printed as the "cold" row: a collector that has been idle (or was
#   just started) runs its first burst before the JIT has compiled the request path, and on 2 cores
#   the compiler threads take CPU from the requests for 20-30 s (JFR: C1+C2 threads were the busiest
#   threads of that phase). Steady state is what a fleet sees after the first half minute.
# Goals (issue #6, 2-core machine): >= 2,000 reports/s with p99 < 50 ms on PostgreSQL, >= 500/s on
# SQLite; key release p99 < 20 ms; dashboard first page < 300 ms with 100,000 machines.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
jar=${JAR:-target/bootmedic.jar}
[ -f "$jar" ] || ./mvnw -q -B -ntp package -DskipTests
backends=${BACKENDS:-sqlite postgresql}
ingest_only=${INGEST_ONLY:-0}
bash scripts/setup-debian.sh build disks collector # wrk, PostgreSQL, HAProxy

work=$(mktemp -d /tmp/bootmedic-bench-collector.XXXXXX)
pgdir=$(mktemp -u /tmp/bootmedic-bench-pg.XXXXXX)  # directly under /tmp: the postgres user must reach it
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash scripts/test/postgres-server.sh stop "$pgdir" 2>/dev/null || true
  rm -rf "$work" "$pgdir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# percentile from wrk's --latency distribution, in ms
p99_ms() { awk '/^ +99%/ { v=$2; if (v ~ /us$/) { sub(/us/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v) } else if (v ~ /s$/) { sub(/s/,"",v); v=v*1000 }; printf "%.1f", v }' "$1"; }
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }

results=()
# start_server NAME DIR PORT DB: a collector in the background; waits until /healthz answers
start_server() {
  local name=$1 dir=$2 port=$3 db=$4
  local args=(collector serve --dir "$dir" --port "$port" --bind 127.0.0.1 --key-rate 100000000 --threads 16)
  [ -n "$db" ] && args+=(--db "$db")
  java -Xmx1g -jar "$jar" "${args[@]}" >"$work/$name-server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 150); do curl -skf "https://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
}

# load NAME URL DIR: ingestion and key release under wrk; sets ingest_rps ingest_p99 keys_rps keys_p99
load() {
  local name=$1 url=$2 dir=$3
  local admin agent
  admin=$(cat "$dir/admin.token")
  agent=$(sed -n 's/^collector.token=//p' "$dir/agent.conf")
  local warmup=${WARMUP:-30} cold=15
  [ "$warmup" -ge "$cold" ] || cold=$warmup
  echo "== $name: cold start, the first ${cold}s of load (measured), then $((warmup - cold))s more warm-up"
  TOKEN=$agent wrk -t2 -c16 -d"${cold}s" --latency -s scripts/bench/collector/post-report.lua "$url" >"$work/$name-cold.txt"
  grep -E "Requests/sec|Non-2xx| 99%" "$work/$name-cold.txt" || true
  if [ "$warmup" -gt "$cold" ]; then
    TOKEN=$agent wrk -t2 -c16 -d"$((warmup - cold))s" -s scripts/bench/collector/post-report.lua "$url" >/dev/null
  fi
  echo "== $name: report ingestion, ${seconds}s, 2 threads x 16 connections"
  TOKEN=$agent wrk -t2 -c16 -d"${seconds}s" --latency -s scripts/bench/collector/post-report.lua "$url" >"$work/$name-ingest.txt"
  grep -E "Requests/sec|Non-2xx| 99%" "$work/$name-ingest.txt" || true
  ingest_rps=$(rps "$work/$name-ingest.txt"); ingest_p99=$(p99_ms "$work/$name-ingest.txt")
  cold_rps=$(rps "$work/$name-cold.txt"); cold_p99=$(p99_ms "$work/$name-cold.txt")
  keys_rps=""; keys_p99=""
  [ "$ingest_only" = 1 ] && return 0

  # 1,000 escrowed keys, then random releases
  python3 scripts/bench/collector/make-keys.py "$work/$name-keys.csv" "$work/$name-keys.txt"
  curl -skf -H "Authorization: Bearer $admin" --data-binary @"$work/$name-keys.csv" "$url/api/v1/keys/import?name=bench.csv" >/dev/null
  echo "== $name: key release, ${seconds}s, 1 thread x 4 connections"
  TOKEN=$agent KEYS="$work/$name-keys.txt" wrk -t1 -c4 -d"${seconds}s" --latency -s scripts/bench/collector/get-key.lua "$url" >"$work/$name-keys-wrk.txt"
  grep -E "Requests/sec|Non-2xx| 99%" "$work/$name-keys-wrk.txt" || true
  keys_rps=$(rps "$work/$name-keys-wrk.txt"); keys_p99=$(p99_ms "$work/$name-keys-wrk.txt")
}

run_backend() {
  local name=$1 db=$2
  local dir="$work/$name" port
  port=$(free_port)
  java -jar "$jar" collector init --dir "$dir" --url "https://127.0.0.1:$port" >/dev/null
  start_server "$name" "$dir" "$port" "$db"
  local admin url="https://127.0.0.1:$port"
  admin=$(cat "$dir/admin.token")
  load "$name" "$url" "$dir"
  if [ "$ingest_only" = 1 ]; then
    results+=("$(printf '%-24s %14s %9s %9s' "$name" "$cold_rps ($cold_p99)" "$ingest_rps" "$ingest_p99")")
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
    return 0
  fi

  local machines
  machines=$(curl -skf -H "Authorization: Bearer $admin" "$url/api/v1/machines?pageSize=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  local want=100000
  if [ "$machines" -lt "$want" ]; then
    echo "== $name: seeding $((want - machines)) more machines (to $want)"
    local seed=(collector seed --dir "$dir" --machines $((want - machines)))
    [ -n "$db" ] && seed+=(--db "$db")
    java -jar "$jar" "${seed[@]}"
  fi
  machines=$(curl -skf -H "Authorization: Bearer $admin" "$url/api/v1/machines?pageSize=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  curl -sk -c "$work/cookies" -o /dev/null --data-urlencode "token=$admin" "$url/login"
  local times=()
  for _ in $(seq 20); do
    times+=("$(curl -sk -b "$work/cookies" -o /dev/null -w '%{time_total}' "$url/")")
  done
  local page_ms
  page_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR]=$1 } END { printf "%.0f/%.0f", a[int(NR/2)+1]*1000, a[NR]*1000 }')
  local list_ms
  list_ms=$(curl -sk -b "$work/cookies" -o /dev/null -w '%{time_total}' "$url/machines?q=PC-0999" | awk '{ printf "%.0f", $1*1000 }')
  results+=("$(printf '%-24s %14s %9s %9s %10s %9s %9s %12s %12s' "$name" "$cold_rps ($cold_p99)" "$ingest_rps" "$ingest_p99" "$keys_rps" "$keys_p99" "$machines" "$page_ms" "$list_ms")")

  if [ -n "$db" ]; then
    # the same collector while 200 slow connections trickle bytes at it
    local agent
    agent=$(sed -n 's/^collector.token=//p' "$dir/agent.conf")
    python3 scripts/bench/collector/slow-clients.py 127.0.0.1 "$port" 200 "$agent" 2>"$work/slow.txt" &
    local slow=$!
    sleep 3
    load "$name-slow" "$url" "$dir"
    kill "$slow"; wait "$slow" 2>/dev/null || true
    cat "$work/slow.txt"
    results+=("$(printf '%-24s %14s %9s %9s %10s %9s %9s %12s %12s' "$name, 200 slow conns" "(warm server)" "$ingest_rps" "$ingest_p99" "$keys_rps" "$keys_p99" "" "" "")")
  fi
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

  if [ -n "$db" ] && command -v haproxy >/dev/null; then
    # two collectors on the same database behind HAProxy (TCP mode: agents still pin the certificate)
    local pa pb ph
    pa=$(free_port); pb=$(free_port); ph=$(free_port)
    local da="$work/$name-a" dbb="$work/$name-b"
    java -jar "$jar" collector init --dir "$da" --url "https://127.0.0.1:$ph" >/dev/null
    mkdir -p "$dbb"
    for f in server.p12 server.p12.pass server.crt tokens.json master.key admin.token agent.conf; do cp "$da/$f" "$dbb/$f"; done
    start_server "$name-a" "$da" "$pa" "$db"
    start_server "$name-b" "$dbb" "$pb" "$db"
    cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch
frontend collectors
  bind 127.0.0.1:$ph
  default_backend collectors
backend collectors
  balance roundrobin
  option httpchk
  http-check send meth GET uri /healthz
  server a 127.0.0.1:$pa check check-ssl verify none inter 1s
  server b 127.0.0.1:$pb check check-ssl verify none inter 1s
CFG
    haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
    pids+=($!)
    sleep 2
    load "$name-haproxy" "https://127.0.0.1:$ph" "$da"
    results+=("$(printf '%-24s %14s %9s %9s %10s %9s %9s %12s %12s' "$name, 2 behind HAProxy" "$cold_rps ($cold_p99)" "$ingest_rps" "$ingest_p99" "$keys_rps" "$keys_p99" "" "" "")")
    for _ in 1 2 3; do kill "${pids[-1]}" 2>/dev/null || true; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; done
  fi
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
echo "collector benchmark: $jar ($(nproc) cores, load generator on the same machine, HTTPS, ${seconds} s per phase)"
printf '%-24s %14s %9s %9s %10s %9s %9s %12s %12s\n' backend "cold/s (p99)" "reports/s" "p99 ms" "keys/s" "p99 ms" machines "overview ms" "search ms"
printf '%s\n' "${results[@]}"
echo "(cold: reports/s and p99 ms in the first 15 s of load on a freshly started collector; then steady state after WARMUP s)"
echo "(overview ms: median/max of 20 loads of the dashboard's first page; search ms: one filtered machine list)"
echo "goals: reports >= 2000/s p99 < 50 ms (PostgreSQL), >= 500/s (SQLite); key release p99 < 20 ms; first page < 300 ms"
