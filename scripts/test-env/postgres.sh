#!/usr/bin/env bash
# Makes a throwaway Postgres available on a loopback port for the Postgres store tests (test/store/) and for trying
# Chimera with more than one replica. Idempotent: installs the `postgresql` package only when no server binaries
# are found, creates the cluster once (initdb) and reuses a server that already answers.
# Postgres refuses to run as root: as root, the cluster belongs to and runs as the `postgres` system user (created
# with the package; created here if missing).
# Writes $CHIMERA_TEST_CACHE/postgres.env (default /var/cache/chimera-test/postgres.env):
#   CHIMERA_PG_URL=postgres://chimera:chimera@127.0.0.1:<port>/postgres   superuser; tests create their own databases
#   CHIMERA_PG_BINDIR=/usr/lib/postgresql/<major>/bin                      initdb/pg_ctl for tests that start their own
#   CHIMERA_PG_OS_USER=postgres                                            who runs them when the tests run as root
# Usage: scripts/test-env/postgres.sh [--stop]
set -euo pipefail

CACHE="${CHIMERA_TEST_CACHE:-/var/cache/chimera-test}"
PORT="${CHIMERA_PG_PORT:-45432}"
ENV_FILE="$CACHE/postgres.env"
BASE="$CACHE/postgres"
DATA="$BASE/data"
LOG_FILE="$BASE/postgres.log"
# A test-only password on a loopback-only server; never reuse it anywhere else.
PASSWORD=chimera
mkdir -p "$CACHE"

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return; }
  done
  if command -v postgres >/dev/null 2>&1; then
    d="$(dirname "$(readlink -f "$(command -v postgres)")")"
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return; }
  fi
}

BINDIR="$(find_bindir || true)"
if [[ -z "$BINDIR" ]]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends postgresql >/dev/null \
    || { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && \
         apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends postgresql >/dev/null; }
  BINDIR="$(find_bindir)"
fi

if [[ "$(id -u)" == 0 ]]; then
  OS_USER=postgres
  getent passwd "$OS_USER" >/dev/null || useradd --system --home-dir "$BASE" --shell /usr/sbin/nologin "$OS_USER"
  as_owner() { runuser -u "$OS_USER" -- "$@"; }
else
  OS_USER="$(id -un)"
  as_owner() { "$@"; }
fi

if [[ "${1:-}" == "--stop" ]]; then
  [[ -f "$DATA/postmaster.pid" ]] && as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
  rm -f "$ENV_FILE"
  exit 0
fi

mkdir -p "$BASE"
chown "$OS_USER" "$BASE"
if [[ ! -f "$DATA/PG_VERSION" ]]; then
  rm -rf "$DATA"
  pwfile="$(mktemp)"
  echo "$PASSWORD" >"$pwfile"
  chown "$OS_USER" "$pwfile"
  # Local (socket) connections trust the owner; TCP needs the password, so the tests exercise real auth.
  as_owner "$BINDIR/initdb" -D "$DATA" -U chimera --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
fi

answers() { "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; }

if ! answers; then
  # Running but not answering here (started earlier on another port): restart it with this port.
  if as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
  # Loopback only; the socket lives beside the data, not in /run/postgresql (which may not exist or be ours).
  as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG_FILE" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$BASE -c max_connections=200" start >/dev/null \
    || { echo "postgres did not start on 127.0.0.1:$PORT; see $LOG_FILE" >&2; exit 1; }
fi

{
  echo "CHIMERA_PG_URL=postgres://chimera:$PASSWORD@127.0.0.1:$PORT/postgres"
  echo "CHIMERA_PG_BINDIR=$BINDIR"
  echo "CHIMERA_PG_OS_USER=$OS_USER"
} >"$ENV_FILE"
echo "postgres $("$BINDIR/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$PORT (env file $ENV_FILE)"
