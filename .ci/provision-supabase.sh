#!/usr/bin/env bash
# A PostgreSQL 15 shaped the way Supabase ships it, and PgBouncer in transaction mode in front of
# it (as Supavisor is), for test/db/supabase.test.ts and the suites that run on the 'supabase' and
# 'pooler' engines (test/support/engines.ts).
#
# As Supabase's images do (supabase/postgres migrations/db/init-scripts, the CLI's globals.sql):
# the cluster's superuser is supabase_admin; `postgres` is a NOSUPERUSER owner with CREATEROLE,
# CREATEDB, REPLICATION and BYPASSRLS; anon, authenticated and service_role exist; pgvector is
# installed by the superuser in an `extensions` schema, which is on postgres's search_path.
# Every database is made from template1, so each scratch database starts that way too.
#
# Needs pgvector for PostgreSQL 15 (.ci/provision-postgres.sh builds it). Prints two lines:
#   TEST_SUPABASE_URL=postgres://postgres@127.0.0.1:55433/postgres   (direct, as postgres)
#   TEST_POOLER_URL=postgres://postgres@127.0.0.1:55434/postgres     (the same, through PgBouncer)
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
PORT=${SUPABASE_PGPORT:-55433}
POOLER_PORT=${SUPABASE_POOLER_PORT:-55434}
DIR=${SUPABASE_PGDIR:-/tmp/workroom-supabase}
log() { echo "[provision-supabase] $*" >&2; }

if ! command -v pgbouncer >/dev/null; then
  log "installing pgbouncer"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >&2
fi
[ -f /usr/share/postgresql/15/extension/vector.control ] || { log "pgvector for PostgreSQL 15 is missing: run .ci/provision-postgres.sh first"; exit 1; }

asPostgres() { runuser -u postgres -- "$@"; }
admin() { asPostgres $PGBIN/psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U supabase_admin "$@" >&2; }

if ! $PGBIN/pg_isready -h 127.0.0.1 -p "$PORT" -q; then
  log "starting the Supabase-shaped PostgreSQL 15 on 127.0.0.1:$PORT ($DIR/data)"
  rm -rf "$DIR"
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR"
  asPostgres $PGBIN/initdb -D "$DIR/data" -U supabase_admin --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  # autovacuum off: tests drop their scratch databases as the non-superuser postgres (DROP DATABASE
  # … WITH (FORCE)), which may not terminate an autovacuum worker that happens to be in one.
  asPostgres $PGBIN/pg_ctl -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" start >&2

  admin -d postgres <<'SQL'
CREATE ROLE postgres NOSUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
CREATE ROLE authenticator LOGIN NOINHERIT;
GRANT anon, authenticated, service_role TO authenticator;
GRANT anon, authenticated, service_role TO postgres;
ALTER ROLE postgres SET search_path TO "$user", public, extensions;
ALTER ROLE anon SET statement_timeout = '3s';
ALTER ROLE authenticated SET statement_timeout = '8s';
ALTER DATABASE postgres OWNER TO postgres;
SQL
  for db in template1 postgres; do
    admin -d "$db" <<'SQL'
CREATE SCHEMA extensions;
CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions;
CREATE EXTENSION pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION vector WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA extensions TO postgres WITH GRANT OPTION;
GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
SQL
  done
fi

if ! $PGBIN/pg_isready -h 127.0.0.1 -p "$POOLER_PORT" -q; then
  log "starting PgBouncer (transaction mode) on 127.0.0.1:$POOLER_PORT"
  mkdir -p "$DIR/pgbouncer"
  # trust, as the server's own pg_hba is here; PgBouncer still wants each user in auth_file.
  printf '"postgres" ""\n"authenticator" ""\n' > "$DIR/pgbouncer/userlist.txt"
  cat > "$DIR/pgbouncer/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $POOLER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/pgbouncer/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 10
server_reset_query =
logfile = $DIR/pgbouncer/pgbouncer.log
pidfile = $DIR/pgbouncer/pgbouncer.pid
INI
  chown -R postgres:postgres "$DIR/pgbouncer"
  asPostgres pgbouncer -d -q "$DIR/pgbouncer/pgbouncer.ini"
  for _ in $(seq 1 50); do $PGBIN/pg_isready -h 127.0.0.1 -p "$POOLER_PORT" -q && break; sleep 0.1; done
fi
echo "TEST_SUPABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
echo "TEST_POOLER_URL=postgres://postgres@127.0.0.1:$POOLER_PORT/postgres"
