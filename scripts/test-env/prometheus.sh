#!/usr/bin/env bash
# Installs Prometheus for Chimera's Prometheus metric provider tests. Idempotent. The tests start their own
# prometheus processes (temporary config and TSDB, loopback port, 1 s scrape interval), so nothing is left running.
# Writes /var/cache/chimera-test/prometheus.env (PROMETHEUS_BIN).
set -euo pipefail
CACHE=/var/cache/chimera-test
mkdir -p "$CACHE"
if ! command -v prometheus >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends prometheus >/dev/null \
    || { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && \
         apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends prometheus >/dev/null; }
fi
echo "PROMETHEUS_BIN=$(command -v prometheus)" >"$CACHE/prometheus.env"
echo "prometheus: $(prometheus --version 2>&1 | head -1); env in $CACHE/prometheus.env"
