#!/usr/bin/env bash
# Rolls out a faulty and a healthy version of `web` with the kubernetes platform and the Gateway API router on the
# test kube-apiserver. Usage: examples/kubernetes-gateway-api/run.sh [--json]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/test-env/kubernetes.sh >/dev/null
exec npx tsx examples/kubernetes-gateway-api/driver.ts --router=gateway-api "$@"
