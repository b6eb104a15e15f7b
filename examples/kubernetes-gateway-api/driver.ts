/**
 * Kubernetes example driver: two rollouts of `web` through Chimera's real controller, kubernetes platform and a real
 * router (gateway-api or istio) on the test kube-apiserver (`scripts/test-env/kubernetes.sh`): a faulty v2 that must
 * be rolled back, then a healthy v3 that must be promoted. Prints the `chimera demo --json` summary with `--json`.
 *
 * That cluster runs no kubelet, so no pod serves requests: the Deployment controller is played by patching status
 * (test/kubernetes/cluster.ts), and users are simulated by recording requests split by the weights read back from
 * the cluster's route objects, with 30% errors on the faulty version. Everything Chimera writes is real API objects.
 */
import { existsSync } from 'node:fs';
import { Controller } from '../../src/controller/controller.js';
import { DEPLOYMENTS, HTTP_ROUTES, resourcePath } from '../../src/kubernetes/paths.js';
import { createAnalyzer, optionsFromSpec } from '../../src/analysis/index.js';
import { summarize } from '../../src/core/summary.js';
import { silentLogger } from '../../src/logger.js';
import type { TrafficRouter } from '../../src/ports/traffic-router.js';
import { createPlatform, createRouter } from '../../src/providers/registry.js';
import { parseSpec } from '../../src/spec/load.js';
import { FakeMetricProvider } from '../../src/testing/fake-metrics.js';
import { FakeStore, FakeStoreData } from '../../src/testing/fake-store.js';
import {
  createNamespace,
  kubeconfigPath,
  signal,
  simulateControllers,
  templateDeployment,
  testClient,
} from '../../test/kubernetes/cluster.js';

const router = process.argv.includes('--router=istio') ? 'istio' : 'gateway-api';
const json = process.argv.includes('--json');
if (!existsSync(kubeconfigPath)) {
  console.error(`no test cluster at ${kubeconfigPath}: run bash scripts/test-env/kubernetes.sh first`);
  process.exit(1);
}

const client = testClient();
const ns = await createNamespace(client, `example-${router}`);
await client.create(resourcePath(DEPLOYMENTS, ns), templateDeployment(ns, 'web'), signal());
if (router === 'gateway-api') {
  // A user-written route: Chimera owns only the rule that sends to `web`; the /docs rule must survive.
  await client.create(
    resourcePath(HTTP_ROUTES, ns),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: ns },
      spec: {
        parentRefs: [{ name: 'public' }],
        rules: [
          {
            name: 'docs',
            matches: [{ path: { type: 'PathPrefix', value: '/docs' } }],
            backendRefs: [{ name: 'docs', port: 80 }],
          },
          { name: 'main', backendRefs: [{ name: 'web', port: 8080 }] },
        ],
      },
    },
    signal(),
  );
}
const stop = new AbortController();
const sim = simulateControllers(client, ns, stop.signal);

const yaml = `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: web }
spec:
  stableVersion: v1
  platform: { kind: kubernetes, kubeconfig: "${kubeconfigPath}", namespace: ${ns}, image: "ghcr.io/acme/web:{version}" }
  router: { kind: ${router}, kubeconfig: "${kubeconfigPath}", namespace: ${ns}, canaryHeader: { name: x-canary, value: always } }
  metrics: { kind: builtin-proxy, admin: "127.0.0.1:9" }
  strategy: { steps: [5, 25, 50], interval: 250ms, minRequests: 50, stepDeadline: 30s, deployTimeout: 30s }
  analysis: { interval: 250ms }
`;
const loaded = parseSpec(yaml, 'chimera.yaml', process.cwd())[0]!;
const metrics = new FakeMetricProvider();
let live: TrafficRouter | undefined;
let errorRate = 0;
const users = setInterval(() => {
  void live?.getRoutes(signal()).then(
    (r) => {
      const toCanary = Math.round(r.canaryWeight * 2);
      if (r.stableVersion) metrics.record(r.stableVersion, 200 - toCanary, 0);
      if (r.canaryVersion && toCanary > 0) metrics.record(r.canaryVersion, toCanary, Math.round(toCanary * errorRate));
    },
    () => undefined,
  );
}, 50);

const controller = new Controller({
  store: new FakeStore(new FakeStoreData()),
  dataDir: '/tmp/unused',
  log: silentLogger,
  portsFor: async (l) => {
    const ctx = { service: 'web', dataDir: '/tmp/unused', log: silentLogger };
    live = await createRouter(l.spec.spec.router, ctx);
    return {
      platform: await createPlatform(l.spec.spec.platform, ctx),
      router: live,
      metrics,
      analyzer: createAnalyzer(optionsFromSpec(l.spec.spec.analysis)),
      notifiers: [],
      close: () => Promise.resolve(),
    };
  },
});

const rollouts = [];
for (const [version, rate] of [
  ['v2', 0.3],
  ['v3', 0],
] as const) {
  errorRate = rate;
  const started = await controller.start(loaded, version);
  const summary = summarize(await controller.wait(started.id));
  rollouts.push(summary);
  if (!json) console.log(`${summary.service} ${summary.from} → ${summary.to}: ${summary.outcome} — ${summary.reason}`);
}
clearInterval(users);
await controller.close();
stop.abort();
await sim;
if (json) console.log(JSON.stringify({ rollouts: rollouts.map(({ id: _id, ...s }) => s) }));
else console.log(`objects left in namespace ${ns} for inspection`);
