#!/usr/bin/env bash
# Starts every real back-end the integration suites use (each script is idempotent and prints where it listens).
set -euo pipefail
cd "$(dirname "$0")"
for script in docker.sh haproxy.sh prometheus.sh moto.sh kubernetes.sh postgres.sh; do
  if [ -f "$script" ]; then
    echo "-- test-env/$script"
    bash "$script"
  fi
done
