#!/usr/bin/env bash
# ECS + ALB against moto: creates the stable service (web 1.0, target group A, ALB rule), then rolls out a healthy 2.0 (promoted)
# and a faulty 3.0 (rolled back) with `chimera run`. `--json` prints {"rollouts":[...]} like `chimera demo --json`.
# Starts its own moto server on a free loopback port and stops it at the end.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JSON=false; [[ "${1:-}" == "--json" ]] && JSON=true
WORK="$(mktemp -d)"
PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
SIM=""
cleanup() {
  [[ -n "$SIM" ]] && kill "$SIM" 2>/dev/null || true
  CHIMERA_TEST_CACHE="$WORK" CHIMERA_MOTO_PORT="$PORT" "$ROOT/scripts/test-env/moto.sh" --stop >/dev/null 2>&1 || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
log() { $JSON || echo "$@"; }

CHIMERA_TEST_CACHE="$WORK" CHIMERA_MOTO_PORT="$PORT" "$ROOT/scripts/test-env/moto.sh" >/dev/null
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-west-2
unset AWS_PROFILE AWS_SESSION_TOKEN
export NODE_NO_WARNINGS=1

chimera() {
  node --import tsx -e "import('$ROOT/src/cli/main.ts').then((m) => m.main(['node', 'chimera', ...process.argv.slice(1)]))" "$@"
}
rollout() { # version faulty-versions
  FAULTY="$2" node --import tsx "$HERE/simulate.ts" traffic "$RULE" "$LB" >"$WORK/sim-$1.log" 2>&1 &
  SIM=$!
  chimera run -f "$WORK/chimera.yaml" --version="$1" --data-dir "$WORK/state" --json >"$WORK/run-$1.json" || true
  kill "$SIM" 2>/dev/null || true; wait "$SIM" 2>/dev/null || true; SIM=""
  log "$(node -e "const r=require('$WORK/run-$1.json').rollouts[0]; console.log(r.service+' '+r.from+' → '+r.to+': '+r.outcome+' ('+r.canaryRequests+' canary requests, '+r.canaryErrors+' errors) — '+r.reason)")"
}

log "moto on 127.0.0.1:$PORT; creating the stable infrastructure (ECS service web 1.0 behind an ALB)"
(cd "$HERE" && node --import tsx simulate.ts setup) >"$WORK/stack.json"
# The spec names ARNs; moto made new ones: write them into a copy of chimera.yaml.
node -e "
const fs = require('fs');
const s = JSON.parse(fs.readFileSync('$WORK/stack.json', 'utf8'));
const y = fs.readFileSync('$HERE/chimera.yaml', 'utf8')
  .replace(/arn:[^\\s]*targetgroup\\/shop-a\\/\\S+/, s.targetGroups[0])
  .replace(/arn:[^\\s]*targetgroup\\/shop-b\\/\\S+/, s.targetGroups[1])
  .replace(/arn:[^\\s]*:listener\\/\\S+/, s.listenerArn)
  .replace(/arn:[^\\s]*:listener-rule\\/\\S+/, s.ruleArn)
  .replace(/arn:[^\\s]*:loadbalancer\\/\\S+/, s.loadBalancerArn);
fs.writeFileSync('$WORK/chimera.yaml', y);
"
RULE="$(node -e "console.log(require('$WORK/stack.json').ruleArn)")"
LB="$(node -e "console.log(require('$WORK/stack.json').loadBalancerArn)")"
rollout 2.0 ""
rollout 3.0 "3.0"
if $JSON; then
  node -e "const a=require('$WORK/run-2.0.json').rollouts, b=require('$WORK/run-3.0.json').rollouts; console.log(JSON.stringify({rollouts:[...a,...b]}))"
fi
