#!/usr/bin/env bash
# Installs and starts a Docker engine for Chimera's Docker and Swarm tests. Idempotent: safe to run twice.
# - no default bridge and no iptables rules: containers use host networking and bind loopback ports only;
# - a single-node Swarm listening on 127.0.0.1;
# - the local Node base image (no registry is reachable here), built by node-base-image.sh.
# Writes /var/cache/chimera-test/docker.env (DOCKER_HOST, CHIMERA_NODE_BASE_IMAGE) for the tests.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE=/var/cache/chimera-test
mkdir -p "$CACHE"

if ! command -v dockerd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends docker.io >/dev/null \
    || { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && \
         apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends docker.io >/dev/null; }
fi

# docker-compose (v1, Debian's package) drives the compose file test; `docker compose` v2 is not packaged here.
if ! command -v docker-compose >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends docker-compose >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  # setsid: the daemon must not die with this script's process group.
  setsid dockerd --bridge=none --iptables=false --ip-masq=false \
    --pidfile "$CACHE/dockerd.pid" >"$CACHE/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see $CACHE/dockerd.log" >&2; tail -20 "$CACHE/dockerd.log" >&2; exit 1; }
fi

if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
  docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null
fi

BASE_IMAGE="${CHIMERA_NODE_BASE_IMAGE:-chimera-node-base:local}"
"$HERE/node-base-image.sh" "$BASE_IMAGE"

cat >"$CACHE/docker.env" <<ENV
DOCKER_HOST=unix:///var/run/docker.sock
CHIMERA_NODE_BASE_IMAGE=$BASE_IMAGE
ENV
echo "docker: engine $(docker version --format '{{.Server.Version}}') at unix:///var/run/docker.sock," \
  "swarm $(docker info --format '{{.Swarm.LocalNodeState}}'), base image $BASE_IMAGE; env in $CACHE/docker.env"
