#!/usr/bin/env bash
# Starts moto's AWS API server on a loopback port for the AWS integration tests (test/aws/) and the AWS examples.
# Idempotent: installs moto[server] only when missing, reuses a server that already answers.
# Writes the endpoint to $CHIMERA_TEST_CACHE/moto.env (default /var/cache/chimera-test/moto.env):
#   CHIMERA_MOTO_ENDPOINT=http://127.0.0.1:<port>
# Usage: scripts/test-env/moto.sh [--stop]
set -euo pipefail

CACHE="${CHIMERA_TEST_CACHE:-/var/cache/chimera-test}"
PORT="${CHIMERA_MOTO_PORT:-45123}"
ENV_FILE="$CACHE/moto.env"
PID_FILE="$CACHE/moto.pid"
LOG_FILE="$CACHE/moto.log"
mkdir -p "$CACHE"

if [[ "${1:-}" == "--stop" ]]; then
  if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then kill "$(cat "$PID_FILE")"; fi
  rm -f "$PID_FILE" "$ENV_FILE"
  exit 0
fi

answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/moto-api/" 2>/dev/null; }

if ! command -v moto_server >/dev/null 2>&1; then
  PIP="$(command -v pip3 || command -v pip || true)"
  if [[ -z "$PIP" ]]; then
    command -v apt-get >/dev/null && { apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null; }
    PIP="$(command -v pip3)"
  fi
  # Debian's system Python refuses global installs without this flag; harmless elsewhere.
  "$PIP" install -q 'moto[server]>=5.2,<5.3' || "$PIP" install -q --break-system-packages 'moto[server]>=5.2,<5.3'
  hash -r
fi

if ! answers; then
  # ECS runs no containers under moto; a service reports this many running tasks from creation, so tests use
  # at most 2 replicas and see them ready. Health, traffic and metrics are written by the tests themselves.
  # AWS managed IAM policies (CloudWatchAgentServerPolicy...) exist only when moto is asked to load them.
  MOTO_ECS_SERVICE_RUNNING=2 MOTO_IAM_LOAD_MANAGED_POLICIES=true nohup moto_server -H 127.0.0.1 -p "$PORT" >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 120); do
    answers && break
    sleep 0.5
  done
  answers || { echo "moto_server did not start on 127.0.0.1:$PORT; see $LOG_FILE" >&2; exit 1; }
fi

echo "CHIMERA_MOTO_ENDPOINT=http://127.0.0.1:$PORT" >"$ENV_FILE"
echo "moto listening on http://127.0.0.1:$PORT (env file $ENV_FILE)"
