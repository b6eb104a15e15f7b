import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import type { KubeClient } from '../../src/kubernetes/client.js';
import { HTTP_ROUTES, resourcePath } from '../../src/kubernetes/paths.js';
import { silentLogger } from '../../src/logger.js';
import { describeRouterConformance } from '../../src/ports/traffic-router.conformance.js';
import type { TrafficRouter } from '../../src/ports/traffic-router.js';
import { gatewayApiRouterConfig } from '../../src/providers/gateway-api/config.js';
import { createRouter } from '../../src/providers/gateway-api/index.js';
import type { HttpRoute } from '../../src/providers/gateway-api/rules.js';
import { createNamespace, kubeAvailable, kubeconfigPath, signal, testClient } from './cluster.js';
import { kubeVersion } from './routers.js';

const ctx = { service: 'web', dataDir: '/nonexistent', log: silentLogger };

/** A route as a user writes it: Chimera may only touch the rule that sends to `web`. */
function userRoute(namespace: string): HttpRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace },
    spec: {
      parentRefs: [{ name: 'public', sectionName: 'https' }],
      hostnames: ['shop.example.com'],
      rules: [
        {
          name: 'admin',
          matches: [{ path: { type: 'PathPrefix', value: '/admin' } }],
          backendRefs: [{ name: 'admin', port: 9000 }],
        },
        {
          name: 'main',
          matches: [
            { path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'x-tenant', value: 'a' }] },
          ],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x-edge', value: '1' }] } },
          ],
          backendRefs: [{ name: 'web', port: 8080 }],
        },
      ],
    },
  };
}

async function setupRoute(client: KubeClient, namespace: string, extra: Record<string, unknown> = {}) {
  await client.create(resourcePath(HTTP_ROUTES, namespace), userRoute(namespace), signal());
  const config = gatewayApiRouterConfig.parse({ kind: 'gateway-api', kubeconfig: kubeconfigPath, namespace, ...extra });
  return createRouter(config, ctx);
}

describe.skipIf(!kubeAvailable)('gateway-api router against a real kube-apiserver', () => {
  describeRouterConformance('gateway-api', async () => {
    const client = testClient();
    const namespace = await createNamespace(client, 'gw-conf');
    const router = await setupRoute(client, namespace, { canaryHeader: { name: 'x-canary', value: 'always' } });
    return {
      router,
      stable: kubeVersion(namespace, 'v1', 'stable'),
      canary: kubeVersion(namespace, 'v2', 'canary'),
      cleanup: () => router.close(),
    };
  });

  describe('user-written rules', () => {
    let client: KubeClient;
    let namespace: string;
    let router: TrafficRouter;
    const read = async () => (await client.get<HttpRoute>(resourcePath(HTTP_ROUTES, namespace, 'web'), signal()))!;

    beforeAll(async () => {
      client = testClient();
      namespace = await createNamespace(client, 'gw');
      router = await setupRoute(client, namespace, { canaryHeader: { name: 'x-canary', value: 'always' } });
    });
    afterAll(() => router?.close());

    it('given a route with other rules, when the canary gets 30%, then only the owned rule changes and keeps its matches and filters', async () => {
      const before = userRoute(namespace);
      await router.reconcile(
        { stable: kubeVersion(namespace, 'v1', 'stable'), canary: kubeVersion(namespace, 'v2', 'canary') },
        signal(),
      );
      await router.setWeight(30, signal());
      const route = await read();
      expect(route.spec.parentRefs).toEqual([
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', sectionName: 'https' },
      ]);
      expect(route.spec.hostnames).toEqual(before.spec.hostnames);
      const [admin, main, header] = route.spec.rules!;
      expect(admin).toMatchObject({ name: 'admin', matches: before.spec.rules![0]!.matches });
      expect(admin!.backendRefs).toEqual([{ group: '', kind: 'Service', name: 'admin', port: 9000, weight: 1 }]);
      expect(main!.matches).toEqual(before.spec.rules![1]!.matches);
      expect(main!.filters).toEqual(before.spec.rules![1]!.filters);
      expect(main!.backendRefs).toEqual([
        { group: '', kind: 'Service', name: 'web-v1', port: 8080, weight: 7000 },
        { group: '', kind: 'Service', name: 'web-v2', port: 8080, weight: 3000 },
      ]);
      // Header routing: same matches plus the header, canary only.
      expect(header!.name).toBe('chimera-canary-header');
      expect(header!.matches![0]!.headers).toEqual([
        { type: 'Exact', name: 'x-tenant', value: 'a' },
        { type: 'Exact', name: 'x-canary', value: 'always' },
      ]);
      expect(header!.backendRefs!.map((b) => b.name)).toEqual(['web-v2']);
      expect(await router.getRoutes(signal())).toEqual({ canaryWeight: 30, stableVersion: 'v1', canaryVersion: 'v2' });
    });

    it('when rolled back, then the owned rule sends 100% to stable, the header rule is gone and other rules are intact', async () => {
      await router.finalize(kubeVersion(namespace, 'v1', 'stable'), signal());
      const route = await read();
      expect(route.spec.rules!.map((r) => r.name)).toEqual(['admin', 'main']);
      expect(route.spec.rules![1]!.backendRefs).toEqual([
        { group: '', kind: 'Service', name: 'web-v1', port: 8080, weight: 10000 },
      ]);
      expect(route.spec.rules![1]!.filters).toEqual(userRoute(namespace).spec.rules![1]!.filters);
    });

    it('given a route whose rules never send to the service, then Chimera refuses to guess and changes nothing', async () => {
      const other = { ...userRoute(namespace), metadata: { name: 'other', namespace } };
      other.spec.rules = [other.spec.rules![0]!];
      await client.create(resourcePath(HTTP_ROUTES, namespace), other, signal());
      const config = gatewayApiRouterConfig.parse({
        kind: 'gateway-api',
        kubeconfig: kubeconfigPath,
        namespace,
        route: 'other',
      });
      const r = await createRouter(config, ctx);
      const err = await r
        .reconcile({ stable: kubeVersion(namespace, 'v1', 'stable') }, signal())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      const after = await client.get<HttpRoute>(resourcePath(HTTP_ROUTES, namespace, 'other'), signal());
      expect(after?.spec.rules).toHaveLength(1);
      expect(after?.metadata?.annotations?.['chimera.dev/split']).toBeUndefined();
    });

    it('given no route and a mesh (GAMMA) parent, when reconciled, then a route on the Service parent is created', async () => {
      const config = gatewayApiRouterConfig.parse({
        kind: 'gateway-api',
        kubeconfig: kubeconfigPath,
        namespace,
        route: 'web-mesh',
        parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 8080 }],
      });
      const mesh = await createRouter(config, ctx);
      await mesh.reconcile(
        { stable: kubeVersion(namespace, 'v1', 'stable'), canary: kubeVersion(namespace, 'v2', 'canary') },
        signal(),
      );
      await mesh.setWeight(5, signal());
      const route = await client.get<HttpRoute>(resourcePath(HTTP_ROUTES, namespace, 'web-mesh'), signal());
      expect(route?.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'web', port: 8080 }]);
      expect(route?.spec.rules?.[0]?.backendRefs?.map((b) => [b.name, b.weight])).toEqual([
        ['web-v1', 9500],
        ['web-v2', 500],
      ]);
    });
  });
});
