import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/kubernetes/client.js';
import { DeploymentWatcher } from '../../src/kubernetes/deployment-watcher.js';
import { CONFIG_MAPS, DEPLOYMENTS, SECRETS, resourcePath } from '../../src/kubernetes/paths.js';
import type { Deployment } from '../../src/kubernetes/types.js';
import { eventually } from '../../src/ports/platform.conformance.js';
import { createNamespace, kubeAvailable, signal, templateDeployment, testClient } from './cluster.js';

describe.skipIf(!kubeAvailable)('Deployment watcher trigger against a real kube-apiserver', () => {
  let client: KubeClient;
  let namespace: string;
  const changes: [string, string][] = [];
  const stop = new AbortController();
  let done: Promise<void>;
  const dep = () => resourcePath(DEPLOYMENTS, namespace, 'web');

  beforeAll(async () => {
    client = testClient();
    namespace = await createNamespace(client, 'watch');
    const d = templateDeployment(namespace, 'web');
    const c = d.spec.template.spec.containers[0]!;
    c.envFrom = [{ configMapRef: { name: 'web-config' } }];
    c.env = [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'TOKEN' } } }];
    await client.create(
      resourcePath(CONFIG_MAPS, namespace),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { MODE: 'a' } },
      signal(),
    );
    await client.create(
      resourcePath(SECRETS, namespace),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret' }, stringData: { TOKEN: 'one' } },
      signal(),
    );
    await client.create(
      resourcePath(CONFIG_MAPS, namespace),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated' }, data: { X: '1' } },
      signal(),
    );
    await client.create(resourcePath(DEPLOYMENTS, namespace), d, signal());
    const watcher = new DeploymentWatcher(client, {
      namespace,
      deployments: { web: 'shop' },
      onChange: (service, version) => void changes.push([service, version]),
    });
    ({ done } = await watcher.start(stop.signal));
  });
  afterAll(async () => {
    stop.abort();
    await done;
  });

  const nextChange = async (count: number) => (
    await eventually(
      () => Promise.resolve(changes.length),
      (n) => n >= count,
      20_000,
    ),
    changes[count - 1]!
  );

  it('given a watched Deployment, when only its scale or status changes, then nothing is triggered; when its image changes, then a rollout starts', async () => {
    await client.patch(dep(), { spec: { replicas: 5 } }, 'merge', signal());
    await client.patch(`${dep()}/status`, { status: { observedGeneration: 2, replicas: 5 } }, 'merge', signal());
    await client.patch(
      dep(),
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.1.0' }] } } } },
      'strategic',
      signal(),
    );
    const [service, version] = await nextChange(1);
    expect(service).toBe('shop');
    expect(version).toMatch(/^1\.1\.0-[0-9a-f]{8}$/);
    expect(changes).toHaveLength(1); // the scale change before it triggered nothing
  });

  it('when a referenced ConfigMap changes, then a rollout of a new version starts; an unrelated one triggers nothing', async () => {
    await client.patch(resourcePath(CONFIG_MAPS, namespace, 'unrelated'), { data: { X: '2' } }, 'merge', signal());
    await client.patch(resourcePath(CONFIG_MAPS, namespace, 'web-config'), { data: { MODE: 'b' } }, 'merge', signal());
    const [, version] = await nextChange(2);
    expect(version).toMatch(/^1\.1\.0-/);
    expect(version).not.toBe(changes[0]![1]);
    expect(changes).toHaveLength(2);
  });

  it('when a referenced Secret changes, then a rollout starts', async () => {
    await client.patch(
      resourcePath(SECRETS, namespace, 'web-secret'),
      { stringData: { TOKEN: 'two' } },
      'merge',
      signal(),
    );
    const [service] = await nextChange(3);
    expect(service).toBe('shop');
    const d = await client.get<Deployment>(dep(), signal());
    expect(d?.spec.replicas).toBe(5); // the watcher only reads
  });
});
