#!/usr/bin/env bash
# Installs HAProxy for Chimera's HAProxy router tests. Idempotent. The tests start their own haproxy processes
# (temporary config, runtime socket and loopback ports), so nothing is left running here.
# Writes /var/cache/chimera-test/haproxy.env (HAPROXY_BIN).
set -euo pipefail
CACHE=/var/cache/chimera-test
mkdir -p "$CACHE"
if ! command -v haproxy >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends haproxy >/dev/null \
    || { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && \
         apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends haproxy >/dev/null; }
fi
# The Debian package starts a system haproxy on port 80 where an init system runs; we never use it.
echo "HAPROXY_BIN=$(command -v haproxy)" >"$CACHE/haproxy.env"
echo "haproxy: $(haproxy -v | head -1); env in $CACHE/haproxy.env"
