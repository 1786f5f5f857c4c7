#!/usr/bin/env bash
# A throw-away PostgreSQL server on loopback for tests and benchmarks (Debian's postgresql package).
#   postgres-server.sh start DIR PORT   creates DIR/data, starts the server, prints its JDBC URL
#   postgres-server.sh restart DIR PORT starts the server of DIR again (after a stop or a crash: it recovers from its WAL)
#   postgres-server.sh stop DIR         stops it (DIR can then be deleted)
# PostgreSQL refuses to run as root, so under root it runs as the 'postgres' user the package creates.
set -euo pipefail

cmd=${1:?usage: postgres-server.sh start DIR PORT | restart DIR PORT | stop DIR}
dir=${2:?give a folder for the server}
bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 3
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# the server's own durability settings are the defaults (fsync on, synchronous_commit on): crash tests rely on them
server_start() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $1 -k $dir -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=128MB" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
}

case "$cmd" in
  start)
    port=${3:?give a port}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U bootmedic --auth=trust -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    server_start "$port"
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U bootmedic collector
    echo "jdbc:postgresql://127.0.0.1:$port/collector?user=bootmedic"
    ;;
  restart)
    port=${3:?give the port it had}
    server_start "$port"
    echo "jdbc:postgresql://127.0.0.1:$port/collector?user=bootmedic"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: postgres-server.sh start DIR PORT | restart DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
