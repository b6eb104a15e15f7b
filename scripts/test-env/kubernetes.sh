#!/usr/bin/env bash
# Builds (once, cached by version) and starts a real kube-apiserver + etcd on loopback ports for the Kubernetes
# integration tests, applies the Gateway API, Istio networking and SMI CRDs, and writes a kubeconfig.
#
#   bash scripts/test-env/kubernetes.sh          # build if needed, start if not running, print the kubeconfig path
#   bash scripts/test-env/kubernetes.sh stop     # stop what a previous run started
#
# Safe to run twice: a running, healthy API server is reused. Tests read the kubeconfig from
# $CHIMERA_TEST_KUBECONFIG, else $CACHE/kube/kubeconfig (the path printed last).
# No controller-manager, scheduler or kubelet runs: tests drive Deployment status through the status subresource.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.34.4}"
GATEWAY_API_VERSION="v1.4.0"
ISTIO_API_VERSION="v1.27.3"
CACHE="${CHIMERA_TEST_CACHE:-/var/cache/chimera-test}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BIN_DIR="$CACHE/kube/$KUBE_VERSION"
APISERVER="$BIN_DIR/kube-apiserver"
STATE="$CACHE/kube/state" # points at the running instance's temp dir
KUBECONFIG_OUT="$CACHE/kube/kubeconfig"
export GOMODCACHE="${GOMODCACHE_OVERRIDE:-$CACHE/go/mod}" GOCACHE="${GOCACHE_OVERRIDE:-$CACHE/go/build}" GOFLAGS=-mod=mod

log() { echo "[kubernetes.sh] $*" >&2; }

stop() {
  if [[ -f "$STATE" ]]; then
    local dir
    dir="$(cat "$STATE")"
    for p in apiserver etcd; do
      if [[ -f "$dir/$p.pid" ]]; then kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; fi
    done
    rm -f "$STATE" "$KUBECONFIG_OUT"
    log "stopped the instance in $dir"
  fi
}

if [[ "${1:-}" == "stop" ]]; then
  stop
  exit 0
fi

healthy() {
  [[ -f "$KUBECONFIG_OUT" && -f "$STATE" ]] || return 1
  local dir
  dir="$(cat "$STATE")"
  curl -fsS --max-time 5 --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $(cat "$dir/token")" \
    "https://127.0.0.1:$(cat "$dir/port")/readyz" >/dev/null 2>&1
}

# --- 1. kube-apiserver binary, built from the Go module proxy ----------------------------------------------------
build_apiserver() {
  command -v go >/dev/null || { log "go is required to build kube-apiserver"; exit 1; }
  mkdir -p "$BIN_DIR" "$GOMODCACHE" "$GOCACHE"
  local work="$BIN_DIR/wrapper"
  rm -rf "$work" && mkdir -p "$work"
  sed "s/v1\.34\.4/$KUBE_VERSION/; s/v0\.34\.4/v0.${KUBE_VERSION#v1.}/" "$HERE/kube/wrapper/go.mod" >"$work/go.mod"
  local minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  log "building kube-apiserver $KUBE_VERSION (10-20 min cold on 2 cores)..."
  local start=$SECONDS
  (cd "$work" && go build -trimpath -o "$APISERVER.tmp" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$APISERVER.tmp" "$APISERVER"
  log "built $APISERVER in $((SECONDS - start))s"
}

# --- 2. etcd from Debian -------------------------------------------------------------------------------------------
install_etcd() {
  command -v etcd >/dev/null && return 0
  log "installing etcd-server from apt"
  if [[ $(id -u) -ne 0 ]]; then log "not root: cannot apt-get install etcd-server"; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null; }
  # The package may start a system etcd on :2379; ours uses its own ports, so it is left alone.
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

wait_for() { # wait_for <seconds> <description> <command...>
  local limit=$1 what=$2
  shift 2
  for ((i = 0; i < limit * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "timed out waiting for $what"
  return 1
}

make_pki() {
  local pki=$1
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=chimera-test-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$pki/apiserver.key" \
    -out "$pki/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$pki/ext.cnf"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
    -extfile "$pki/ext.cnf" -out "$pki/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

start() {
  local dir
  dir="$(mktemp -d /tmp/chimera-kube.XXXXXX)"
  make_pki "$dir/pki"
  local token
  token="$(openssl rand -hex 24)"
  echo "$token" >"$dir/token"
  # Admin token (system:masters) for tests; RBAC stays on so the deploy/kubernetes Role can be checked.
  echo "$token,chimera-admin,chimera-admin,\"system:masters\"" >"$dir/tokens.csv"
  local etcd_port peer_port port
  etcd_port=$(free_port)
  peer_port=$(free_port)
  port=$(free_port)
  echo "$port" >"$dir/port"

  setsid nohup etcd --name chimera-test --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "chimera-test=http://127.0.0.1:$peer_port" \
    --unsafe-no-fsync >"$dir/etcd.log" 2>&1 </dev/null &
  echo $! >"$dir/etcd.pid"
  wait_for 30 etcd curl -fsS "http://127.0.0.1:$etcd_port/health"

  setsid nohup "$APISERVER" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/pki/sa.pub" \
    --service-account-signing-key-file "$dir/pki/sa.key" --service-cluster-ip-range 10.96.0.0/24 \
    --endpoint-reconciler-type none --enable-priority-and-fairness=false \
    --disable-admission-plugins ServiceAccount >"$dir/apiserver.log" 2>&1 </dev/null &
  echo $! >"$dir/apiserver.pid"
  echo "$dir" >"$STATE"
  if ! wait_for 120 "kube-apiserver /readyz" curl -fsS --cacert "$dir/pki/ca.crt" \
    -H "Authorization: Bearer $token" "https://127.0.0.1:$port/readyz"; then
    tail -30 "$dir/apiserver.log" >&2
    exit 1
  fi

  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: chimera-test
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority: $dir/pki/ca.crt
users:
  - name: chimera-admin
    user:
      token: $token
contexts:
  - name: chimera-test
    context: { cluster: chimera-test, user: chimera-admin, namespace: default }
current-context: chimera-test
EOF
  cp "$dir/kubeconfig" "$KUBECONFIG_OUT"
  log "kube-apiserver ready on https://127.0.0.1:$port (logs in $dir)"
}

# Server-side apply of every CRD of the groups Chimera uses, then wait until each is Established. Plain curl and
# awk: this runs before `npm ci` in CI, so it may not rely on node_modules.
apply_crds() {
  local mod="$GOMODCACHE" dir token port tmp
  dir="$(cat "$STATE")"
  token="$(cat "$dir/token")"
  port="$(cat "$dir/port")"
  tmp="$(mktemp -d)"
  (cd /tmp && go mod download "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" "istio.io/api@$ISTIO_API_VERSION")
  local api="https://127.0.0.1:$port/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
  local curl=(curl -fsS --max-time 30 --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $token")
  local names=() n=0
  # Gateway API standard channel and Istio's CRDs from their Go modules; SMI's published CRDs are apiextensions
  # v1beta1, which Kubernetes no longer serves, so ours are restated in kube/crds/smi.yaml.
  for file in \
    "$mod/sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION/config/crd/standard/gateway.networking.k8s.io_gateways.yaml" \
    "$mod/sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION/config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml" \
    "$mod/sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION/config/crd/standard/gateway.networking.k8s.io_httproutes.yaml" \
    "$mod/istio.io/api@$ISTIO_API_VERSION/kubernetes/customresourcedefinitions.gen.yaml" \
    "$HERE/kube/crds/smi.yaml"; do
    rm -f "$tmp"/doc-*.yaml
    awk -v dir="$tmp" -v base="$n" 'BEGIN { i = base } /^---/ { i++; next } { print > (dir "/doc-" i ".yaml") }' "$file"
    n=$((n + 1000))
    for doc in "$tmp"/doc-*.yaml; do
      grep -q '^kind: CustomResourceDefinition' "$doc" || continue
      case "$(awk '/^  group: / { print $2; exit }' "$doc")" in
        gateway.networking.k8s.io | networking.istio.io | split.smi-spec.io | specs.smi-spec.io) ;;
        *) continue ;;
      esac
      local name
      name="$(awk '/^metadata:/ { m = 1; next } m && /^  name: / { print $2; exit }' "$doc")"
      "${curl[@]}" -o /dev/null -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
        --data-binary @"$doc" "$api/$name?fieldManager=chimera-test&force=true" ||
        { log "applying CRD $name failed"; exit 1; }
      names+=("$name")
    done
  done
  for name in "${names[@]}"; do
    wait_for 60 "CRD $name" bash -c "$(printf '%q ' "${curl[@]}") $(printf '%q' "$api/$name") | tr -d ' \\n' | grep -q '\"type\":\"Established\",\"status\":\"True\"'"
  done
  rm -rf "$tmp"
  log "${#names[@]} CRDs established: ${names[*]}"
}

mkdir -p "$CACHE/kube"
if healthy; then
  log "reusing the running kube-apiserver"
else
  stop
  [[ -x "$APISERVER" ]] || build_apiserver
  install_etcd
  start
fi
apply_crds
echo "CHIMERA_TEST_KUBECONFIG=$KUBECONFIG_OUT"
