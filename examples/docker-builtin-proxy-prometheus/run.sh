#!/usr/bin/env bash
# Docker + built-in proxy + Prometheus: starts the stable shop 1.0 in Docker behind Chimera's proxy, Prometheus
# scraping the proxy, a steady load, then rolls out a healthy 2.0 (promoted) and a faulty 3.0 (rolled back) with
# `chimera run`. `--json` prints {"rollouts":[...]} like `chimera demo --json`. Needs root for Docker; runs
# scripts/test-env/{docker,prometheus}.sh (idempotent) first. Everything binds loopback ports.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JSON=false; [[ "${1:-}" == "--json" ]] && JSON=true
WORK="$(mktemp -d)"
export NODE_NO_WARNINGS=1
PROM_PID="" LOAD_PID=""
log() { $JSON || echo "$@"; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
cleanup() {
  [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null || true
  [[ -n "$PROM_PID" ]] && kill "$PROM_PID" 2>/dev/null || true
  for pid in $(cat "$WORK"/state/proxy/*/*.pid 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  docker ps -aq --filter label=chimera.service=shop | xargs -r docker rm -f >/dev/null 2>&1 || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

"$ROOT/scripts/test-env/docker.sh" >/dev/null
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

LISTEN="$(free_port)"; ADMIN="$(free_port)"; PROM="$(free_port)"; PORTS="$(free_port)"
sed -e "s/__LISTEN__/$LISTEN/; s/__ADMIN__/$ADMIN/; s/__PROM__/$PROM/; s/__PORTS_END__/$((PORTS + 20))/; s/__PORTS__/$PORTS/" \
  "$HERE/chimera.yaml" >"$WORK/chimera.yaml"
cat >"$WORK/prometheus.yml" <<YAML
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: chimera-proxy
    static_configs: [{ targets: ['127.0.0.1:$ADMIN'] }]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
  --web.listen-address="127.0.0.1:$PROM" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
log "Prometheus on 127.0.0.1:$PROM scraping the proxy's admin 127.0.0.1:$ADMIN; proxy serves 127.0.0.1:$LISTEN"

chimera() {
  node --import tsx -e "import('$ROOT/src/cli/main.ts').then((m) => m.main(['node', 'chimera', ...process.argv.slice(1)]))" "$@"
}
rollout() { # version
  chimera run -f "$WORK/chimera.yaml" --version="$1" --data-dir "$WORK/state" --json >"$WORK/run-$1.json" 2>"$WORK/run-$1.err" || true
  if [[ ! -s "$WORK/run-$1.json" ]]; then echo "chimera run $1 printed nothing:" >&2; cat "$WORK/run-$1.err" >&2; exit 1; fi
  log "$(node -e "const r=require('$WORK/run-$1.json').rollouts[0]; console.log(r.service+' '+r.from+' → '+r.to+': '+r.outcome+' ('+r.canaryRequests+' canary requests, '+r.canaryErrors+' errors) — '+r.reason)")"
}
# Open-loop load through the proxy for both rollouts; until the first `chimera run` has started the proxy its
# requests simply fail at the client, which nobody counts.
# In the background the load generator must be the process that $! names: a shell function run with & is a
# subshell, and killing it would leave node running after the script ends. `exec` in a subshell makes it node.
( exec node --import tsx -e "import('$ROOT/src/cli/main.ts').then((m) => m.main(['node', 'chimera', ...process.argv.slice(1)]))" \
  load --url "http://127.0.0.1:$LISTEN/" --rps 60 >"$WORK/load.log" 2>&1 ) &
LOAD_PID=$!
rollout 2.0
rollout 3.0
if $JSON; then
  node -e "const a=require('$WORK/run-2.0.json').rollouts, b=require('$WORK/run-3.0.json').rollouts; console.log(JSON.stringify({rollouts:[...a,...b]}))"
fi
