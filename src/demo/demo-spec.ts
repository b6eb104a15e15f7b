import { fileURLToPath } from 'node:url';

export interface DemoPorts {
  listen: number;
  admin: number;
}

/** Where the sample service lives, from dist/demo or src/demo alike. */
export const SAMPLE_SERVICE = fileURLToPath(new URL('../../examples/sample-service/server.js', import.meta.url));

/**
 * The demo's canary spec, written as a user would write it and validated like any other spec.
 * v1 and v2 are healthy (a realistic 0.2% background error rate); v3 is the faulty release: 20% of its
 * requests fail and it is 40 ms slower. The step deadline and the p99 limit are generous because the demo runs on
 * whatever machine people have, often busy: on a loaded machine a healthy step needs longer to show itself within
 * tolerance, and every request through the proxy is slower for both versions alike (which the relative test
 * ignores, but an absolute limit would not). Steps stop at 50 %: both versions run two instances, and above half
 * the traffic each canary instance would serve more requests than a stable one, so on a CPU-starved machine the
 * canary would queue longer and look slower for a reason that is not in the release.
 */
export function demoSpecYaml(service: string, ports: DemoPorts): string {
  return `apiVersion: chimera.dev/v1
kind: Canary
metadata:
  name: ${service}
spec:
  version: v2
  stableVersion: v1
  platform:
    kind: local
    command: ["${process.execPath}", "${SAMPLE_SERVICE}"]
    replicas: 2
    env:
      ERROR_RATE: "0.002"
      LATENCY_MS: "5"
      LATENCY_JITTER_MS: "5"
    versions:
      v3:
        env:
          ERROR_RATE: "0.2"
          LATENCY_MS: "45"
          LATENCY_JITTER_MS: "10"
    readiness: { path: /healthz, timeout: 20s, interval: 100ms }
  router:
    kind: builtin-proxy
    listen: 127.0.0.1:${ports.listen}
    admin: 127.0.0.1:${ports.admin}
  metrics:
    kind: builtin-proxy
  strategy:
    steps: [10, 25, 50]
    interval: 3s
    minRequests: 40
    deployTimeout: 30s
    stepDeadline: 90s
  analysis:
    mode: sequential
    interval: 1s
    alpha: 0.01
    absoluteTolerance: 1%
    latencyTolerance: 0.5
    thresholds: { maxErrorRate: 5%, maxP99Latency: 2s }
    onInconclusive: rollback
`;
}
