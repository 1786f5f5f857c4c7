#!/usr/bin/env bash
# Stalled bodies and heads (issue 22): while 500 connections send a request head and one body byte
# and 500 send half a head (no token, from 250 loopback source addresses, each reopened as soon as
# the collector cuts it off), measure /healthz latency, report ingestion and key release; on one
# collector (SQLite) and on two collectors behind HAProxy (PostgreSQL).
#   scripts/bench/stall.sh [SECONDS]     (default 15 s per phase)
# Goals: /healthz p99 < 100 ms; reports and key release meet collector.sh's goals.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
stall_bodies=${STALL_BODIES:-500}
stall_heads=${STALL_HEADS:-500}
jar=target/bootmedic.jar
[ -f "$jar" ] || ./mvnw -q -B -ntp package -DskipTests
bash scripts/setup-debian.sh build disks collector # wrk, PostgreSQL, HAProxy
ulimit -n 65536 2>/dev/null || true

work=$(mktemp -d /tmp/bootmedic-bench-stall.XXXXXX)
pgdir=$(mktemp -u /tmp/bootmedic-bench-pg.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bash scripts/test/postgres-server.sh stop "$pgdir" 2>/dev/null || true
  rm -rf "$work" "$pgdir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p_ms() { awk -v q="$2" '$1 == q { v=$2; if (v ~ /us$/) { sub(/us/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v) } else if (v ~ /s$/) { sub(/s/,"",v); v=v*1000 }; printf "%.1f", v }' "$1"; }
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }

serve() { # NAME DIR PORT DB
  local args=(collector serve --dir "$2" --port "$3" --bind 127.0.0.1 --key-rate 100000000 --threads 16)
  [ -n "$4" ] && args+=(--db "$4")
  java -Xmx1g -jar "$jar" "${args[@]}" >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 150); do curl -skf "https://127.0.0.1:$3/healthz" >/dev/null && break; sleep 0.2; done
}

results=()
measure() { # NAME URL DIR ATTACK_PORT
  local name=$1 url=$2 dir=$3 port=$4 agent admin
  agent=$(sed -n 's/^collector.token=//p' "$dir/agent.conf")
  admin=$(cat "$dir/admin.token")
  TOKEN=$agent wrk -t2 -c16 -d20s -s scripts/bench/collector/post-report.lua "$url" >/dev/null # warm-up (JIT)
  python3 scripts/bench/collector/stall-clients.py 127.0.0.1 "$port" "$stall_bodies" "$stall_heads" 2>"$work/$name-stall.txt" &
  local stall=$!
  sleep 10
  wrk -t1 -c1 -d"${seconds}s" --latency "$url/healthz" >"$work/$name-healthz.txt"
  TOKEN=$agent wrk -t2 -c16 -d"${seconds}s" --latency -s scripts/bench/collector/post-report.lua "$url" >"$work/$name-ingest.txt"
  python3 scripts/bench/collector/make-keys.py "$work/keys.csv" "$work/keys.txt"
  curl -skf -H "Authorization: Bearer $admin" --data-binary @"$work/keys.csv" "$url/api/v1/keys/import?name=bench.csv" >/dev/null
  TOKEN=$agent KEYS="$work/keys.txt" wrk -t1 -c4 -d"${seconds}s" --latency -s scripts/bench/collector/get-key.lua "$url" >"$work/$name-keys.txt"
  kill "$stall"; wait "$stall" 2>/dev/null || true
  tail -1 "$work/$name-stall.txt"
  results+=("$(printf '%-28s %10s %10s %10s %10s %9s %9s' "$name" "$(p_ms "$work/$name-healthz.txt" 50%)" "$(p_ms "$work/$name-healthz.txt" 99%)" \
    "$(rps "$work/$name-ingest.txt")" "$(p_ms "$work/$name-ingest.txt" 99%)" "$(rps "$work/$name-keys.txt")" "$(p_ms "$work/$name-keys.txt" 99%)")")
}

port=$(free_port)
java -jar "$jar" collector init --dir "$work/one" --url "https://127.0.0.1:$port" >/dev/null
serve one "$work/one" "$port" ""
measure "one collector, SQLite" "https://127.0.0.1:$port" "$work/one" "$port"

if command -v haproxy >/dev/null && pg_url=$(bash scripts/test/postgres-server.sh start "$pgdir" "$(free_port)" 2>"$work/pg.err"); then
  pa=$(free_port); pb=$(free_port); ph=$(free_port)
  java -jar "$jar" collector init --dir "$work/a" --url "https://127.0.0.1:$ph" >/dev/null
  mkdir -p "$work/b"
  for f in server.p12 server.p12.pass server.crt tokens.json master.key admin.token agent.conf; do cp "$work/a/$f" "$work/b/$f"; done
  serve a "$work/a" "$pa" "$pg_url"
  serve b "$work/b" "$pb" "$pg_url"
  cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 8000
defaults
  mode tcp
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend collectors
  bind 127.0.0.1:$ph
  default_backend collectors
backend collectors
  balance roundrobin
  server a 127.0.0.1:$pa check inter 1s
  server b 127.0.0.1:$pb check inter 1s
CFG
  haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
  pids+=($!)
  sleep 2
  measure "two behind HAProxy, PostgreSQL" "https://127.0.0.1:$ph" "$work/a" "$ph"
else
  echo "PostgreSQL or HAProxy not available: the two-collector run was skipped" >&2
fi

echo
echo "stalled clients: $stall_bodies stalled bodies + $stall_heads stalled heads, no token, 250 source addresses ($(nproc) cores, all on one machine, ${seconds} s per phase)"
printf '%-28s %10s %10s %10s %10s %9s %9s\n' "" "healthz p50" "p99 ms" "reports/s" "p99 ms" "keys/s" "p99 ms"
printf '%s\n' "${results[@]}"
echo "goals: /healthz p99 < 100 ms; reports >= 2000/s (PostgreSQL), >= 500/s (SQLite); key release p99 < 20 ms"
