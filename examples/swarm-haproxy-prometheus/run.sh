#!/usr/bin/env bash
# Swarm + HAProxy + Prometheus: HAProxy with a `shop` backend (servers `stable` and `canary`), Prometheus scraping
# HAProxy's exporter, a steady load through HAProxy; `chimera run` starts the stable shop 1.0 on Swarm, then rolls
# out a healthy 2.0 (promoted) and a faulty 3.0 (rolled back). `--json` prints {"rollouts":[...]} like
# `chimera demo --json`. Needs root; runs scripts/test-env/{docker,haproxy,prometheus}.sh (idempotent) first.
# Everything binds loopback ports; Swarm's ingress network is never used.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JSON=false; [[ "${1:-}" == "--json" ]] && JSON=true
WORK="$(mktemp -d)"
export NODE_NO_WARNINGS=1
PROM_PID="" LOAD_PID="" HAPROXY_PID=""
log() { $JSON || echo "$@"; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
cleanup() {
  [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null || true
  [[ -n "$PROM_PID" ]] && kill "$PROM_PID" 2>/dev/null || true
  [[ -n "$HAPROXY_PID" ]] && kill "$HAPROXY_PID" 2>/dev/null || true
  docker service ls -q --filter label=chimera.service=shop | xargs -r docker service rm >/dev/null 2>&1 || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

"$ROOT/scripts/test-env/docker.sh" >/dev/null
"$ROOT/scripts/test-env/haproxy.sh" >/dev/null
"$ROOT/scripts/test-env/prometheus.sh" >/dev/null
BASE="${CHIMERA_NODE_BASE_IMAGE:-chimera-node-base:local}"
build() { # tag [ENV=value...]
  local tag="$1"; shift
  { echo "FROM $BASE"; echo "COPY server.js /app/server.js"; echo "ENV VERSION=$tag"
    for kv in "$@"; do echo "ENV $kv"; done; echo 'CMD ["node", "/app/server.js"]'; } |
    DOCKER_BUILDKIT=0 docker build -q -t "chimera-example-shop:$tag" -f - "$ROOT/examples/sample-service" >/dev/null 2>&1
}
log "building images chimera-example-shop:1.0, 2.0 (healthy) and 3.0 (30% errors)"
build 1.0; build 2.0; build 3.0 ERROR_RATE=0.3

FRONT="$(free_port)"; METRICS="$(free_port)"; PROM="$(free_port)"; PORTS="$(free_port)"
SOCKET="$WORK/haproxy.sock"
cat >"$WORK/haproxy.cfg" <<CFG
global
  stats socket $SOCKET mode 600 level admin
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend users
  bind 127.0.0.1:$FRONT
  default_backend shop
frontend metrics
  bind 127.0.0.1:$METRICS
  http-request use-service prometheus-exporter if { path /metrics }
backend shop
  balance roundrobin
  server stable 127.0.0.1:1 weight 100
  server canary 127.0.0.1:1 weight 0
CFG
haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
cat >"$WORK/prometheus.yml" <<YAML
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: haproxy
    static_configs: [{ targets: ['127.0.0.1:$METRICS'] }]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
  --web.listen-address="127.0.0.1:$PROM" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 1 100); do [[ -S "$SOCKET" ]] && break; sleep 0.1; done
sed -e "s#__SOCKET__#$SOCKET#; s/__PROM__/$PROM/; s/__PORTS_END__/$((PORTS + 20))/; s/__PORTS__/$PORTS/" \
  "$HERE/chimera.yaml" >"$WORK/chimera.yaml"
log "HAProxy serves 127.0.0.1:$FRONT (runtime API $SOCKET, exporter :$METRICS); Prometheus on 127.0.0.1:$PROM"

chimera() {
  node --import tsx -e "import('$ROOT/src/cli/main.ts').then((m) => m.main(['node', 'chimera', ...process.argv.slice(1)]))" "$@"
}
rollout() { # version
  chimera run -f "$WORK/chimera.yaml" --version="$1" --data-dir "$WORK/state" --json >"$WORK/run-$1.json" 2>"$WORK/run-$1.err" || true
  if [[ ! -s "$WORK/run-$1.json" ]]; then echo "chimera run $1 printed nothing:" >&2; cat "$WORK/run-$1.err" >&2; exit 1; fi
  log "$(node -e "const r=require('$WORK/run-$1.json').rollouts[0]; console.log(r.service+' '+r.from+' → '+r.to+': '+r.outcome+' ('+r.canaryRequests+' canary requests, '+r.canaryErrors+' errors) — '+r.reason)")"
}
# Open-loop load through HAProxy for both rollouts (503s until the stable version is up are nobody's counts).
# In the background the load generator must be the process that $! names: a shell function run with & is a
# subshell, and killing it would leave node running after the script ends. `exec` in a subshell makes it node.
( exec node --import tsx -e "import('$ROOT/src/cli/main.ts').then((m) => m.main(['node', 'chimera', ...process.argv.slice(1)]))" \
  load --url "http://127.0.0.1:$FRONT/" --rps 60 >"$WORK/load.log" 2>&1 ) &
LOAD_PID=$!
rollout 2.0
rollout 3.0
if $JSON; then
  node -e "const a=require('$WORK/run-2.0.json').rollouts, b=require('$WORK/run-3.0.json').rollouts; console.log(JSON.stringify({rollouts:[...a,...b]}))"
fi
