import { describe, expect, it } from 'vitest';
import { TRAFFIC_SPLITS, resourcePath } from '../../src/kubernetes/paths.js';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { silentLogger } from '../../src/logger.js';
import { describeRouterConformance } from '../../src/ports/traffic-router.conformance.js';
import { smiRouterConfig } from '../../src/providers/smi/config.js';
import { createRouter } from '../../src/providers/smi/index.js';
import { createNamespace, kubeAvailable, kubeconfigPath, signal, testClient } from './cluster.js';
import { kubeVersion } from './routers.js';

interface TrafficSplit extends KubeObject {
  spec: { service: string; backends: { service: string; weight: number }[]; matches?: unknown[] };
}

const ctx = { service: 'web', dataDir: '/nonexistent', log: silentLogger };

describe.skipIf(!kubeAvailable)('smi router against a real kube-apiserver', () => {
  describeRouterConformance('smi', async () => {
    const client = testClient();
    const namespace = await createNamespace(client, 'smi-conf');
    const router = await createRouter(
      smiRouterConfig.parse({ kind: 'smi', kubeconfig: kubeconfigPath, namespace }),
      ctx,
    );
    return {
      router,
      stable: kubeVersion(namespace, 'v1', 'stable'),
      canary: kubeVersion(namespace, 'v2', 'canary'),
      cleanup: () => router.close(),
    };
  });

  it('given a user TrafficSplit with matches, when weighted, then the backends change and the matches stay', async () => {
    const client = testClient();
    const namespace = await createNamespace(client, 'smi');
    const split: TrafficSplit = {
      apiVersion: 'split.smi-spec.io/v1alpha4',
      kind: 'TrafficSplit',
      metadata: { name: 'web', namespace, labels: { team: 'shop' } },
      spec: {
        service: 'web',
        backends: [{ service: 'web', weight: 1 }],
        matches: [{ kind: 'HTTPRouteGroup', name: 'api' }],
      },
    };
    await client.create(resourcePath(TRAFFIC_SPLITS, namespace), split, signal());
    const router = await createRouter(
      smiRouterConfig.parse({ kind: 'smi', kubeconfig: kubeconfigPath, namespace }),
      ctx,
    );
    await router.reconcile(
      { stable: kubeVersion(namespace, 'v1', 'stable'), canary: kubeVersion(namespace, 'v2', 'canary') },
      signal(),
    );
    await router.setWeight(12.5, signal());
    const after = await client.get<TrafficSplit>(resourcePath(TRAFFIC_SPLITS, namespace, 'web'), signal());
    expect(after?.spec).toEqual({
      service: 'web',
      matches: [{ kind: 'HTTPRouteGroup', name: 'api' }],
      backends: [
        { service: 'web-v1', weight: 8750 },
        { service: 'web-v2', weight: 1250 },
      ],
    });
    expect(after?.metadata?.labels).toEqual({ team: 'shop' });
    expect((await router.getRoutes(signal())).canaryWeight).toBe(12.5);
  });
});
