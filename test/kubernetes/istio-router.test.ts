import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/kubernetes/client.js';
import { DESTINATION_RULES, VIRTUAL_SERVICES, resourcePath } from '../../src/kubernetes/paths.js';
import { silentLogger } from '../../src/logger.js';
import { describeRouterConformance } from '../../src/ports/traffic-router.conformance.js';
import type { TrafficRouter } from '../../src/ports/traffic-router.js';
import { istioRouterConfig } from '../../src/providers/istio/config.js';
import { createRouter } from '../../src/providers/istio/index.js';
import type { DestinationRule, VirtualService } from '../../src/providers/istio/rules.js';
import { createNamespace, kubeAvailable, kubeconfigPath, signal, testClient } from './cluster.js';
import { kubeVersion } from './routers.js';

const ctx = { service: 'web', dataDir: '/nonexistent', log: silentLogger };

function userVirtualService(namespace: string): VirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'web', namespace },
    spec: {
      hosts: ['web', 'shop.example.com'],
      gateways: ['mesh', 'public'],
      http: [
        { name: 'legacy', match: [{ uri: { prefix: '/legacy' } }], route: [{ destination: { host: 'legacy' } }] },
        {
          name: 'main',
          match: [{ uri: { prefix: '/' } }],
          retries: { attempts: 3, perTryTimeout: '2s' },
          timeout: '10s',
          route: [{ destination: { host: 'web.' + namespace + '.svc.cluster.local' } }],
        },
      ],
    },
  };
}

function userDestinationRule(namespace: string): DestinationRule {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'web', namespace },
    spec: {
      host: 'web',
      trafficPolicy: { connectionPool: { http: { http1MaxPendingRequests: 100 } } },
      subsets: [{ name: 'debug', labels: { debug: 'true' } }],
    },
  };
}

async function setup(client: KubeClient, namespace: string) {
  await client.create(resourcePath(VIRTUAL_SERVICES, namespace), userVirtualService(namespace), signal());
  await client.create(resourcePath(DESTINATION_RULES, namespace), userDestinationRule(namespace), signal());
  const config = istioRouterConfig.parse({
    kind: 'istio',
    kubeconfig: kubeconfigPath,
    namespace,
    canaryHeader: { name: 'X-Canary', value: 'always' },
  });
  return createRouter(config, ctx);
}

describe.skipIf(!kubeAvailable)('istio router against a real kube-apiserver', () => {
  describeRouterConformance('istio', async () => {
    const client = testClient();
    const namespace = await createNamespace(client, 'istio-conf');
    const router = await setup(client, namespace);
    return {
      router,
      stable: kubeVersion(namespace, 'v1', 'stable'),
      canary: kubeVersion(namespace, 'v2', 'canary'),
      cleanup: () => router.close(),
    };
  });

  describe('user-written routes and subsets', () => {
    let client: KubeClient;
    let namespace: string;
    let router: TrafficRouter;
    const vs = async () =>
      (await client.get<VirtualService>(resourcePath(VIRTUAL_SERVICES, namespace, 'web'), signal()))!;
    const dr = async () =>
      (await client.get<DestinationRule>(resourcePath(DESTINATION_RULES, namespace, 'web'), signal()))!;

    beforeAll(async () => {
      client = testClient();
      namespace = await createNamespace(client, 'istio');
      router = await setup(client, namespace);
    });
    afterAll(() => router?.close());

    it('when the canary gets 20%, then only the owned route changes, with a header route before it, and subsets are added beside the user one', async () => {
      const before = userVirtualService(namespace);
      await router.reconcile(
        { stable: kubeVersion(namespace, 'v1', 'stable'), canary: kubeVersion(namespace, 'v2', 'canary') },
        signal(),
      );
      await router.setWeight(20, signal());
      const v = await vs();
      expect(v.spec.hosts).toEqual(before.spec.hosts);
      expect(v.spec.gateways).toEqual(before.spec.gateways);
      expect(v.spec.http!.map((r) => r.name)).toEqual(['legacy', 'chimera-canary-header', 'main']);
      expect(v.spec.http![0]).toEqual(before.spec.http![0]);
      const [, header, main] = v.spec.http!;
      expect(main).toMatchObject({ match: before.spec.http![1]!.match, retries: { attempts: 3 }, timeout: '10s' });
      expect(main!.route).toEqual([
        { destination: { host: 'web', subset: 'chimera-v1', port: { number: 8080 } }, weight: 80 },
        { destination: { host: 'web', subset: 'chimera-v2', port: { number: 8080 } }, weight: 20 },
      ]);
      expect(header!.match).toEqual([{ uri: { prefix: '/' }, headers: { 'x-canary': { exact: 'always' } } }]);
      expect(header!.route).toEqual([
        { destination: { host: 'web', subset: 'chimera-v2', port: { number: 8080 } }, weight: 100 },
      ]);
      const d = await dr();
      expect(d.spec).toMatchObject({ host: 'web', trafficPolicy: userDestinationRule(namespace).spec.trafficPolicy });
      expect(d.spec.subsets).toEqual([
        { name: 'debug', labels: { debug: 'true' } },
        { name: 'chimera-v1', labels: { 'chimera.dev/version': 'v1' } },
        { name: 'chimera-v2', labels: { 'chimera.dev/version': 'v2' } },
      ]);
    });

    it('when promoted, then everything goes to the new version and the old subsets are dropped, the user one kept', async () => {
      await router.finalize(kubeVersion(namespace, 'v2', 'stable'), signal());
      const v = await vs();
      expect(v.spec.http!.map((r) => r.name)).toEqual(['legacy', 'main']);
      expect(v.spec.http![1]!.route).toEqual([
        { destination: { host: 'web', subset: 'chimera-v2', port: { number: 8080 } }, weight: 100 },
      ]);
      expect((await dr()).spec.subsets!.map((s) => s.name)).toEqual(['debug', 'chimera-v2']);
      expect(await router.getRoutes(signal())).toEqual({ canaryWeight: 0, stableVersion: 'v2' });
    });
  });
});
