#!/usr/bin/env bash
# Provision a throwaway PostgreSQL 15 with pgvector on 127.0.0.1 for the native-engine tests.
# pgvector is not packaged for bookworm, so we build it from Debian trixie's source package
# against postgresql-server-dev-15. Prints the TEST_DATABASE_URL on its last line.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
PGPORT=${PGPORT:-55432}
PGDATA=${PGDATA:-/tmp/workroom-pg15}
log() { echo "[provision] $*" >&2; }

export DEBIAN_FRONTEND=noninteractive
if ! [ -f /usr/share/postgresql/15/extension/vector.control ]; then
  log "installing build dependencies"
  apt-get update -qq >&2
  apt-get install -y -qq postgresql-server-dev-15 dpkg-dev make g++ >&2

  # A private apt configuration that only adds trixie's deb-src on the mirror this machine already
  # uses (the active URIs: line; the sources file also carries a commented-out snapshot address).
  mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 | awk '{print $2}')
  mirror=${mirror:-http://deb.debian.org/debian}
  aptdir=$(mktemp -d)
  mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial"
  echo "deb-src [trusted=yes] $mirror trixie main" > "$aptdir/sources.list"
  aptopts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
           -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache::Archives=$aptdir/archives")
  log "fetching pgvector source from $mirror trixie"
  apt-get "${aptopts[@]}" update -qq >&2
  src=$(mktemp -d)
  (cd "$src" && apt-get "${aptopts[@]}" source --download-only pgvector >&2 && dpkg-source -x --no-check ./*.dsc pgvector >&2)
  log "building pgvector"
  make -s -C "$src/pgvector" PG_CONFIG=$PGBIN/pg_config OPTFLAGS="" >&2
  make -s -C "$src/pgvector" PG_CONFIG=$PGBIN/pg_config install >&2
fi

if ! $PGBIN/pg_isready -h 127.0.0.1 -p "$PGPORT" -q; then
  log "starting PostgreSQL 15 on 127.0.0.1:$PGPORT ($PGDATA)"
  rm -rf "$PGDATA"
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  runuser -u postgres -- $PGBIN/initdb -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- $PGBIN/pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=/tmp -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB" start >&2
fi
echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
