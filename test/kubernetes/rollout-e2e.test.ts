import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller/controller.js';
import type { RolloutPorts } from '../../src/controller/rollout-ports.js';
import type { KubeClient } from '../../src/kubernetes/client.js';
import { DEPLOYMENTS, HTTP_ROUTES, VIRTUAL_SERVICES, resourcePath } from '../../src/kubernetes/paths.js';
import type { Deployment } from '../../src/kubernetes/types.js';
import { silentLogger } from '../../src/logger.js';
import type { TrafficRouter } from '../../src/ports/traffic-router.js';
import { createPlatform, createRouter } from '../../src/providers/registry.js';
import type { HttpRoute } from '../../src/providers/gateway-api/rules.js';
import type { VirtualService } from '../../src/providers/istio/rules.js';
import { parseSpec } from '../../src/spec/load.js';
import { errorRateAnalyzer } from '../../src/testing/fake-analyzer.js';
import { FakeMetricProvider } from '../../src/testing/fake-metrics.js';
import { FakeStore, FakeStoreData } from '../../src/testing/fake-store.js';
import {
  createNamespace,
  kubeAvailable,
  kubeconfigPath,
  signal,
  simulateControllers,
  templateDeployment,
  testClient,
} from './cluster.js';

function spec(namespace: string, router: string): string {
  return `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: web }
spec:
  stableVersion: v1
  platform: { kind: kubernetes, kubeconfig: "${kubeconfigPath}", namespace: ${namespace}, image: "ghcr.io/acme/web:{version}" }
  router: ${router}
  # Replaced by in-memory metrics below (no pods serve traffic on this cluster).
  metrics: { kind: builtin-proxy, admin: "127.0.0.1:9" }
  strategy: { steps: [10, 50], interval: 200ms, minRequests: 5, stepDeadline: 20s, deployTimeout: 30s }
  analysis: { interval: 200ms }
`;
}

/**
 * Given / When / Then through the real controller: the kubernetes platform and a real router against the API server;
 * metrics come from users whose split follows the weights read back from the cluster (no pods run here), and the
 * canary's error rate is what the test says.
 */
function world(client: KubeClient, namespace: string, routerYaml: string) {
  const loaded = parseSpec(spec(namespace, routerYaml), 'chimera.yaml', '/tmp')[0]!;
  const metrics = new FakeMetricProvider();
  const storeData = new FakeStoreData();
  let canaryErrorRate = 0;
  let router: TrafficRouter | undefined;
  const pump = setInterval(() => {
    void router?.getRoutes(signal()).then(
      (r) => {
        const toCanary = Math.round(r.canaryWeight);
        if (r.stableVersion) metrics.record(r.stableVersion, 100 - toCanary, 0);
        if (r.canaryVersion && toCanary > 0)
          metrics.record(r.canaryVersion, toCanary, Math.round(toCanary * canaryErrorRate));
      },
      () => undefined,
    );
  }, 50);
  const controller = new Controller({
    store: new FakeStore(storeData),
    dataDir: '/tmp/unused',
    log: silentLogger,
    portsFor: async (l) => {
      const ctx = { service: 'web', dataDir: '/tmp/unused', log: silentLogger };
      router = await createRouter(l.spec.spec.router, ctx);
      return {
        platform: await createPlatform(l.spec.spec.platform, ctx),
        router,
        metrics,
        analyzer: errorRateAnalyzer(0.05, 5),
        notifiers: [],
        close: () => Promise.resolve(),
      } satisfies RolloutPorts;
    },
  });
  return {
    controller,
    loaded,
    setErrorRate: (r: number) => (canaryErrorRate = r),
    close: async () => {
      clearInterval(pump);
      await controller.close();
    },
  };
}

const deployment = (client: KubeClient, ns: string, name: string) =>
  client.get<Deployment>(resourcePath(DEPLOYMENTS, ns, name), signal());

describe.skipIf(!kubeAvailable)('rollouts end to end on a real kube-apiserver', () => {
  let client: KubeClient;
  const stop = new AbortController();
  const sims: Promise<void>[] = [];
  beforeAll(() => {
    client = testClient();
  });
  afterAll(async () => {
    stop.abort();
    await Promise.all(sims);
  });

  async function namespaceWithTemplate(prefix: string) {
    const ns = await createNamespace(client, prefix);
    await client.create(resourcePath(DEPLOYMENTS, ns), templateDeployment(ns, 'web'), signal());
    sims.push(simulateControllers(client, ns, stop.signal));
    return ns;
  }

  it('Gateway API: a faulty canary is rolled back (route 100% stable, canary at zero), a healthy one promoted, user rules kept', async () => {
    const ns = await namespaceWithTemplate('e2e-gw');
    const userRule = {
      name: 'docs',
      matches: [{ path: { type: 'PathPrefix', value: '/docs' } }],
      backendRefs: [{ name: 'docs', port: 80 }],
    };
    const route: HttpRoute = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: ns },
      spec: {
        parentRefs: [{ name: 'public' }],
        rules: [userRule, { name: 'main', backendRefs: [{ name: 'web', port: 8080 }] }],
      },
    };
    await client.create(resourcePath(HTTP_ROUTES, ns), route, signal());
    const w = world(client, ns, `{ kind: gateway-api, kubeconfig: "${kubeconfigPath}", namespace: ${ns} }`);
    try {
      // Given a faulty v2, when it is rolled out, then it is rolled back.
      w.setErrorRate(0.5);
      const bad = await w.controller.start(w.loaded, 'v2');
      expect((await w.controller.wait(bad.id)).phase).toBe('rolled_back');
      let r = (await client.get<HttpRoute>(resourcePath(HTTP_ROUTES, ns, 'web'), signal()))!;
      expect(r.spec.rules!.find((x) => x.name === 'main')!.backendRefs!.map((b) => [b.name, b.weight])).toEqual([
        ['web-v1', 10000],
      ]);
      expect((await deployment(client, ns, 'web-v2'))?.spec.replicas).toBe(0);
      // Given a healthy v3, when it is rolled out, then it is promoted and v1 scaled to zero.
      w.setErrorRate(0);
      const good = await w.controller.start(w.loaded, 'v3');
      expect((await w.controller.wait(good.id)).phase).toBe('succeeded');
      r = (await client.get<HttpRoute>(resourcePath(HTTP_ROUTES, ns, 'web'), signal()))!;
      expect(r.spec.rules!.find((x) => x.name === 'main')!.backendRefs!.map((b) => [b.name, b.weight])).toEqual([
        ['web-v3', 10000],
      ]);
      expect((await deployment(client, ns, 'web-v3'))?.spec.replicas).toBe(2);
      expect((await deployment(client, ns, 'web-v1'))?.spec.replicas).toBe(0);
      expect(r.spec.rules!.find((x) => x.name === 'docs')).toMatchObject({
        matches: userRule.matches,
        backendRefs: [{ name: 'docs', port: 80 }],
      });
      expect(r.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }]);
    } finally {
      await w.close();
    }
  });

  it('Istio: a faulty canary is rolled back and a healthy one promoted', async () => {
    const ns = await namespaceWithTemplate('e2e-istio');
    const w = world(client, ns, `{ kind: istio, kubeconfig: "${kubeconfigPath}", namespace: ${ns} }`);
    try {
      w.setErrorRate(0.5);
      const bad = await w.controller.start(w.loaded, 'v2');
      expect((await w.controller.wait(bad.id)).phase).toBe('rolled_back');
      expect((await deployment(client, ns, 'web-v2'))?.spec.replicas).toBe(0);
      w.setErrorRate(0);
      const good = await w.controller.start(w.loaded, 'v3');
      expect((await w.controller.wait(good.id)).phase).toBe('succeeded');
      const vs = (await client.get<VirtualService>(resourcePath(VIRTUAL_SERVICES, ns, 'web'), signal()))!;
      expect(vs.spec.http![0]!.route).toEqual([
        { destination: { host: 'web', subset: 'chimera-v3', port: { number: 8080 } }, weight: 100 },
      ]);
    } finally {
      await w.close();
    }
  });
});
