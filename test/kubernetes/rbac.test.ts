import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KubeApiError, KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { DeploymentWatcher } from '../../src/kubernetes/deployment-watcher.js';
import { loadConnection } from '../../src/kubernetes/kubeconfig.js';
import { LeaderElector } from '../../src/kubernetes/leader-election.js';
import { DEPLOYMENTS, LEASES, SECRETS, resourcePath } from '../../src/kubernetes/paths.js';
import type { Lease } from '../../src/kubernetes/types.js';
import { silentLogger } from '../../src/logger.js';
import { eventually } from '../../src/ports/platform.conformance.js';
import type { VersionTarget } from '../../src/ports/platform.js';
import { gatewayApiRouterConfig } from '../../src/providers/gateway-api/config.js';
import { GatewayApiRouter } from '../../src/providers/gateway-api/router.js';
import { istioRouterConfig } from '../../src/providers/istio/config.js';
import { IstioRouter } from '../../src/providers/istio/router.js';
import { kubernetesPlatformConfig } from '../../src/providers/kubernetes/config.js';
import { KubernetesPlatform } from '../../src/providers/kubernetes/platform.js';
import { createPlatform, createRouter } from '../../src/providers/registry.js';
import { startServer } from '../../src/server/start.js';
import { smiRouterConfig } from '../../src/providers/smi/config.js';
import { constantAnalyzer } from '../../src/testing/fake-analyzer.js';
import { FakeMetricProvider } from '../../src/testing/fake-metrics.js';
import { SmiRouter } from '../../src/providers/smi/router.js';
import {
  createNamespace,
  kubeAvailable,
  kubeconfigPath,
  signal,
  simulateControllers,
  templateDeployment,
  testClient,
} from './cluster.js';

const RBAC = new URL('../../deploy/kubernetes/rbac.yaml', import.meta.url);
const ctx = { service: 'web', dataDir: '/nonexistent', log: silentLogger };

/** Applies deploy/kubernetes/rbac.yaml with its namespaces replaced (create, or replace when it exists). */
async function applyRbac(admin: KubeClient, chimeraNs: string, appNs: string): Promise<void> {
  for (const doc of parseAllDocuments(readFileSync(RBAC, 'utf8'))) {
    const obj = doc.toJS() as KubeObject & { subjects?: { namespace?: string }[] };
    const ns = obj.metadata?.namespace === 'chimera' ? chimeraNs : appNs;
    if (obj.metadata?.namespace) obj.metadata.namespace = ns;
    for (const s of obj.subjects ?? []) s.namespace = chimeraNs;
    const plural = `${obj.kind!.toLowerCase()}s`;
    const collection = obj.metadata?.namespace
      ? `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/${plural}`
      : `/apis/rbac.authorization.k8s.io/v1/${plural}`;
    try {
      await admin.create(collection, obj, signal());
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
      const current = await admin.get(`${collection}/${obj.metadata!.name}`, signal());
      await admin.replace(
        `${collection}/${obj.metadata!.name}`,
        { ...obj, metadata: { ...obj.metadata, resourceVersion: current!.metadata!.resourceVersion } },
        signal(),
      );
    }
  }
}

describe.skipIf(!kubeAvailable)('deploy/kubernetes RBAC is enough for every provider, and no more', () => {
  let admin: KubeClient;
  let sa: KubeClient;
  let chimeraNs: string;
  let appNs: string;
  let saToken: string;

  beforeAll(async () => {
    admin = testClient();
    chimeraNs = await createNamespace(admin, 'chimera');
    appNs = await createNamespace(admin, 'shop');
    await applyRbac(admin, chimeraNs, appNs);
    await admin.create(
      `/api/v1/namespaces/${chimeraNs}/serviceaccounts`,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'chimera' } },
      signal(),
    );
    const tr = await admin.request<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${chimeraNs}/serviceaccounts/chimera/token`,
      {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
        signal: signal(),
      },
    );
    const conn = loadConnection(kubeconfigPath);
    saToken = tr.status.token;
    sa = new KubeClient({ ...conn, authorization: () => `Bearer ${saToken}` });
    await admin.create(resourcePath(DEPLOYMENTS, appNs), templateDeployment(appNs, 'web'), signal());
  });

  it('given only the ServiceAccount token, then the platform deploys, promotes and removes versions', async () => {
    const stop = new AbortController();
    const sim = simulateControllers(admin, appNs, stop.signal);
    try {
      const config = kubernetesPlatformConfig.parse({
        kind: 'kubernetes',
        namespace: appNs,
        image: 'ghcr.io/acme/web:{version}',
      });
      const platform = new KubernetesPlatform(sa, config, ctx);
      const t = (version: string): VersionTarget => ({ service: 'web', version, role: 'canary' });
      await platform.deploy(t('v2'), signal());
      await eventually(
        () => platform.status(t('v2'), signal()),
        (s) => s.ready === 2,
        30_000,
      );
      await platform.promote(t('v2'), { ...t('v1'), role: 'stable' }, signal());
      await platform.remove(t('v2'), signal());
      expect(await platform.list('web', signal())).toEqual([]);
    } finally {
      stop.abort();
      await sim;
    }
  });

  it('given only the ServiceAccount token, then each router reconciles, weighs and finalizes', async () => {
    const v = (version: string, role: 'stable' | 'canary') => ({
      service: 'web',
      version,
      role,
      desired: 1,
      ready: 1,
      endpoints: [],
      refs: { namespace: appNs, service: `web-${version}`, port: '8080', versionLabel: version },
    });
    const routers = [
      new GatewayApiRouter(
        sa,
        gatewayApiRouterConfig.parse({ kind: 'gateway-api', namespace: appNs, parentRefs: [{ name: 'gw' }] }),
        ctx,
      ),
      new IstioRouter(sa, istioRouterConfig.parse({ kind: 'istio', namespace: appNs }), ctx),
      new SmiRouter(sa, smiRouterConfig.parse({ kind: 'smi', namespace: appNs }), ctx),
    ];
    for (const router of routers) {
      await router.reconcile({ stable: v('v1', 'stable'), canary: v('v2', 'canary') }, signal());
      await router.setWeight(10, signal());
      expect((await router.getRoutes(signal())).canaryWeight).toBe(10);
      await router.finalize(v('v1', 'stable'), signal());
    }
  });

  it('given only the ServiceAccount token, then the watcher runs and leader election takes the Lease', async () => {
    const stop = new AbortController();
    const watcher = new DeploymentWatcher(sa, {
      namespace: appNs,
      deployments: { web: 'web' },
      onChange: () => undefined,
    });
    const { done } = await watcher.start(stop.signal);
    expect(watcher.current().get('web')).toMatch(/^1\.0\.0-/);
    const elector = new LeaderElector(sa, {
      namespace: chimeraNs,
      name: 'chimera-controller',
      identity: 'pod-a',
      retryPeriodMs: 200,
    });
    const run = elector.run({ onStartedLeading: () => undefined }, stop.signal);
    await eventually(
      () => Promise.resolve(elector.isLeader()),
      (x) => x,
      20_000,
    );
    stop.abort();
    await Promise.all([done, run]);
  });

  it('given only the ServiceAccount, then `chimera server` with leader election and the Deployment watcher leads and starts a rollout on a template change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chimera-rbac-server-'));
    // The test kubeconfig with the ServiceAccount's token in place of the admin's.
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, readFileSync(kubeconfigPath, 'utf8').replace(/token: .*/, `token: ${saToken}`));
    const stop = new AbortController();
    const sim = simulateControllers(admin, appNs, stop.signal);
    const server = await startServer({
      port: 0,
      dataDir: join(dir, 'data'),
      log: silentLogger,
      out: () => undefined,
      leaderElection: { lease: 'chimera-controller', namespace: chimeraNs, identity: 'pod-s', kubeconfig },
      watchKubernetes: [appNs],
      watchKubernetesPollMs: 200,
      portsFor: async (l) => ({
        platform: await createPlatform(l.spec.spec.platform, ctx),
        router: await createRouter(l.spec.spec.router, ctx),
        metrics: new FakeMetricProvider(),
        analyzer: constantAnalyzer('continue'),
        notifiers: [],
        close: () => Promise.resolve(),
      }),
    });
    try {
      await eventually(
        () => Promise.resolve(server.controller.isLeader()),
        (x) => x,
        20_000,
      );
      await server.app.chimera.specs.save(
        `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: web }
spec:
  stableVersion: stable
  platform: { kind: kubernetes, kubeconfig: "${kubeconfig}", namespace: ${appNs} }
  router: { kind: gateway-api, kubeconfig: "${kubeconfig}", namespace: ${appNs}, parentRefs: [{ name: gw }] }
  metrics: { kind: builtin-proxy, admin: "127.0.0.1:9" }
  strategy: { steps: [10, 50], interval: 10m, minRequests: 5, stepDeadline: 20m, deployTimeout: 30s }
  analysis: { interval: 200ms }
`,
        'test',
      );
      const store = server.app.chimera.store;
      await eventually(
        () => store.getValue(`kubernetes-watch:${appNs}/web`),
        (v) => v !== undefined,
        20_000,
      );
      await admin.patch(
        resourcePath(DEPLOYMENTS, appNs, 'web'),
        { spec: { template: { metadata: { annotations: { rev: '2' } } } } },
        'strategic',
        signal(),
      );
      const r = await eventually(
        async () => (await store.list({ service: 'web', limit: 1 }))[0],
        (x) => x?.phase === 'progressing' || x?.phase === 'failed',
        30_000,
      );
      expect(r?.phase).toBe('progressing');
      const lease = await admin.get<Lease>(resourcePath(LEASES, chimeraNs, 'chimera-controller'), signal());
      expect(lease?.spec.holderIdentity).toBe('pod-s');
    } finally {
      await server.close();
      stop.abort();
      await sim;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('deploy/kubernetes/deployment.yaml is accepted by the API server (server-side dry run), with its ServiceAccount', async () => {
    const text = readFileSync(new URL('../../deploy/kubernetes/deployment.yaml', import.meta.url), 'utf8');
    const docs = parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service']);
    for (const obj of docs) {
      obj.metadata!.namespace = chimeraNs;
      const collection =
        obj.kind === 'Deployment' ? resourcePath(DEPLOYMENTS, chimeraNs) : `/api/v1/namespaces/${chimeraNs}/services`;
      const created = await admin.request<KubeObject>('POST', `${collection}?dryRun=All&fieldValidation=Strict`, {
        body: obj,
        signal: signal(),
      });
      expect(created.metadata?.name).toBe('chimera');
    }
  });

  it('and nothing more: no Secrets outside its namespaces, no deleting routes, no other Lease', async () => {
    const forbidden = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).status).toBe(403);
    };
    await forbidden(sa.list(resourcePath(SECRETS, 'default'), signal()));
    await forbidden(
      sa.request('DELETE', `/apis/gateway.networking.k8s.io/v1/namespaces/${appNs}/httproutes/web`, {
        signal: signal(),
      }),
    );
    await forbidden(
      sa.request('GET', `/apis/coordination.k8s.io/v1/namespaces/${chimeraNs}/leases/someone-else`, {
        signal: signal(),
      }),
    );
    await forbidden(sa.list(`/api/v1/namespaces/${appNs}/pods`, signal()));
    // Leases: only its own, in its own namespace, never deleted; no watching outside bound namespaces.
    await forbidden(sa.request('DELETE', resourcePath(LEASES, chimeraNs, 'chimera-controller'), { signal: signal() }));
    await forbidden(sa.list(resourcePath(LEASES, chimeraNs), signal()));
    await forbidden(
      sa.create(
        resourcePath(LEASES, appNs),
        { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'chimera-controller' }, spec: {} },
        signal(),
      ),
    );
    await forbidden(sa.list(resourcePath(DEPLOYMENTS, 'default'), signal()));
  });
});
