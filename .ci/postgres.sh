#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, in a folder of its own.
#
#   .ci/postgres.sh start DIR   # initdb (first time) and start; prints the HEBERGEMENT_TEST_DB to export
#   .ci/postgres.sh stop DIR    # stop it (DIR stays: rm -rf it when done)
#
# The cluster listens on 127.0.0.1:$PGPORT (55432 unless PGPORT is set), its
# socket in DIR, with trust authentication for the superuser "postgres": for
# tests on a development or CI machine only, never for data that matters.
# It is made for speed (fsync off) and for the store's ordering (C collation,
# as SQLite compares text byte by byte). initdb refuses to run as root: as
# root, the cluster runs as the system user "postgres" (created when the
# distribution's package did not create it), which must be able to reach DIR.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
case $cmd in start | stop) ;; *) usage ;; esac
mkdir -p "$2"
dir=$(cd "$2" && pwd)
port=${PGPORT:-55432}

# bindir finds initdb on PATH or in Debian's /usr/lib/postgresql/VERSION/bin
# (the newest version), where the package puts it off PATH.
bindir() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$found" ] || [ ! -x "$found/initdb" ]; then
    echo "postgres.sh: initdb not found (apt-get install postgresql, or put its bin folder on PATH)" >&2
    exit 1
  fi
  echo "$found"
}
bin=$(bindir)

# as runs a command as the cluster's owner: the postgres system user when
# we are root, ourselves otherwise.
as() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$dir" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

case $cmd in
start)
  if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi
    chown postgres: "$dir"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi
  if as "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "postgres.sh: already running in $dir" >&2
  else
    # Many test packages run at once, each creating databases: room for
    # their connections. Durability is of no use in a throwaway cluster.
    as "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || {
      cat "$dir/postgres.log" >&2
      exit 1
    }
  fi
  echo "export HEBERGEMENT_TEST_DB='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
  ;;
stop)
  if [ -f "$dir/data/PG_VERSION" ] && as "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  ;;
*)
  usage
  ;;
esac
