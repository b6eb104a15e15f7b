import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutPorts } from '../../src/controller/rollout-ports.js';
import type { RolloutState } from '../../src/core/rollout.js';
import type { KubeClient } from '../../src/kubernetes/client.js';
import { DEPLOYMENTS, HTTP_ROUTES, LEASES, resourcePath } from '../../src/kubernetes/paths.js';
import type { Lease } from '../../src/kubernetes/types.js';
import { silentLogger } from '../../src/logger.js';
import { eventually } from '../../src/ports/platform.conformance.js';
import { createPlatform, createRouter } from '../../src/providers/registry.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import type { LoadedSpec } from '../../src/spec/load.js';
import { constantAnalyzer } from '../../src/testing/fake-analyzer.js';
import { FakeMetricProvider } from '../../src/testing/fake-metrics.js';
import { SseClient } from '../server/sse-client.js';
import { createTestDatabase, pgAvailable, pgTestEnv } from '../store/postgres-env.js';
import {
  createNamespace,
  kubeAvailable,
  kubeconfigPath,
  signal,
  simulateControllers,
  templateDeployment,
  testClient,
} from './cluster.js';

const LEASE = 'chimera-controller';
const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 };
// Replicas share SQLite in one data folder (one host), and Postgres as in the cluster when it is available.
const pg = pgTestEnv();
const STORES = kubeAvailable && (await pgAvailable(pg)) ? ['sqlite', 'postgres'] : ['sqlite'];

/** A spec whose rollouts stay in flight: a long step interval, and no traffic reaches the step's minimum. */
function spec(ns: string, name: string, extra: string, platformExtra = ''): string {
  return `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: ${name} }
spec:
${extra}
  platform: { kind: kubernetes, kubeconfig: "${kubeconfigPath}", namespace: ${ns}${platformExtra} }
  router: { kind: gateway-api, kubeconfig: "${kubeconfigPath}", namespace: ${ns} }
  # Replaced by in-memory metrics (no pods serve traffic on this cluster).
  metrics: { kind: builtin-proxy, admin: "127.0.0.1:9" }
  strategy: { steps: [10, 50], interval: 10m, minRequests: 5, stepDeadline: 20m, deployTimeout: 30s }
  analysis: { interval: 200ms }
`;
}

/** The real kubernetes platform and Gateway API router; metrics and verdicts in memory. */
async function portsFor(l: LoadedSpec): Promise<RolloutPorts> {
  const ctx = { service: l.spec.metadata.name, dataDir: '/tmp/unused', log: silentLogger };
  return {
    platform: await createPlatform(l.spec.spec.platform, ctx),
    router: await createRouter(l.spec.spec.router, ctx),
    metrics: new FakeMetricProvider(),
    analyzer: constantAnalyzer('continue'),
    notifiers: [],
    close: () => Promise.resolve(),
  };
}

describe.skipIf(!kubeAvailable).each(STORES)(
  'chimera server replicas on a %s store and a real kube-apiserver: leader election and watchers',
  (kind) => {
    let client: KubeClient;
    let db: { url: string; drop(): Promise<void> } | undefined;
    let ns: string;
    let dataDir: string;
    let folder: string;
    const stopSim = new AbortController();
    let sim: Promise<void>;
    const servers: Record<'a' | 'b', RunningServer | undefined> = { a: undefined, b: undefined };
    let token = '';

    const replica = (identity: 'a' | 'b') =>
      startServer({
        port: 0,
        dataDir,
        log: silentLogger,
        out: () => undefined,
        portsFor,
        ...(db ? { databaseUrl: db.url } : {}),
        leaderElection: { lease: LEASE, namespace: ns, identity, kubeconfig: kubeconfigPath, ...timing },
        watchKubernetes: [ns],
        watchKubernetesPollMs: 200,
        watchFolder: folder,
        watchFolderPollMs: 200,
      });
    const running = () => Object.values(servers).filter((s): s is RunningServer => s !== undefined);
    const leaders = () => running().filter((s) => s.controller.isLeader());
    const api = async (s: RunningServer, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${s.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
    };
    const rolloutOf = (service: string, done: (r: RolloutState) => boolean) =>
      eventually(
        async () => (await running()[0]!.app.chimera.store.list({ service, limit: 1 }))[0],
        (r) => r !== undefined && done(r),
        45_000,
      ) as Promise<RolloutState>;

    beforeAll(async () => {
      client = testClient();
      ns = await createNamespace(client, 'server');
      for (const name of ['web', 'api']) {
        await client.create(resourcePath(DEPLOYMENTS, ns), templateDeployment(ns, name), signal());
        await client.create(
          resourcePath(HTTP_ROUTES, ns),
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'HTTPRoute',
            metadata: { name, namespace: ns },
            spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name, port: 8080 }] }] },
          },
          signal(),
        );
      }
      sim = simulateControllers(client, ns, stopSim.signal);
      dataDir = await mkdtemp(join(tmpdir(), 'chimera-replicas-'));
      if (kind === 'postgres') db = await createTestDatabase(pg.url!);
      folder = await mkdtemp(join(tmpdir(), 'chimera-gitops-'));
      // One after the other: the first creates the admin token in the shared store.
      servers.a = await replica('a');
      token = servers.a.firstToken!;
      servers.b = await replica('b');
    });

    afterAll(async () => {
      await Promise.allSettled(running().map((s) => s.close()));
      stopSim.abort();
      await sim;
      await db?.drop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(folder, { recursive: true, force: true });
    });

    it('given two replicas contending for one Lease, then exactly one leads, and both say who in /readyz and /metrics', async () => {
      await eventually(
        () => Promise.resolve(leaders().length),
        (n) => n >= 1,
        20_000,
      );
      for (let i = 0; i < 10; i++) {
        expect(leaders()).toHaveLength(1);
        await new Promise((r) => setTimeout(r, 100));
      }
      const leader = leaders()[0]!;
      const follower = running().find((s) => s !== leader)!;
      const lease = await client.get<Lease>(resourcePath(LEASES, ns, LEASE), signal());
      expect(lease?.spec.holderIdentity).toBe(leader.controller.identity);
      for (const [s, leading] of [
        [leader, true],
        [follower, false],
      ] as const) {
        const ready = await api(s, 'GET', '/readyz');
        expect(ready.status).toBe(200);
        expect(ready.body.leader).toEqual({
          leading,
          identity: s.controller.identity,
          holder: leader.controller.identity,
        });
        const metrics = await (
          await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
        ).text();
        expect(metrics).toMatch(new RegExp(`^chimera_leader ${leading ? 1 : 0}$`, 'm'));
      }
    });

    it('given a registered kubernetes spec, when its Deployment template changes, then the leader starts and drives a rollout; a follower refuses starts with 503 and passes commands on through the store', async () => {
      const leader = leaders()[0]!;
      const follower = running().find((s) => s !== leader)!;
      // Registering a spec is a write any replica takes (it only goes to the shared store).
      const saved = await api(follower, 'POST', '/api/v1/specs', { yaml: spec(ns, 'web', '  stableVersion: stable') });
      expect(saved.status).toBeLessThan(300);
      // The leader's watcher follows the registry; give it a moment to record the baseline, then change the image.
      await eventually(
        () => leader.app.chimera.store.getValue(`kubernetes-watch:${ns}/web`),
        (v) => v !== undefined,
        20_000,
      );
      await client.patch(
        resourcePath(DEPLOYMENTS, ns, 'web'),
        { spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.1.0' }] } } } },
        'strategic',
        signal(),
      );
      const r = await rolloutOf('web', (x) => x.phase === 'progressing');
      expect(r.toVersion).toMatch(/^1\.1\.0-[0-9a-f]{8}$/);
      expect(leader.controller.isDriving(r.id)).toBe(true);
      expect(follower.controller.isDriving(r.id)).toBe(false);

      const refused = await api(follower, 'POST', '/api/v1/rollouts', { service: 'web', version: 'other' });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'NOT_LEADER' }, leader: leader.controller.identity });

      // The follower's event stream carries what the leader records (read back from the shared store).
      const stream = await SseClient.open(`${follower.url}/api/v1/stream?rollout=${encodeURIComponent(r.id)}`, {
        authorization: `Bearer ${token}`,
      });
      expect(stream.status).toBe(200);
      const paused = await api(follower, 'POST', `/api/v1/rollouts/${r.id}/commands`, { command: 'pause' });
      expect(paused.status).toBe(202);
      await rolloutOf('web', (x) => x.phase === 'paused');
      try {
        await stream.until((c) => c.events.some((e) => e.event === 'state' && e.data.includes('"paused"')), 20_000);
      } finally {
        stream.close();
      }
      expect((await api(follower, 'POST', `/api/v1/rollouts/${r.id}/commands`, { command: 'resume' })).status).toBe(
        202,
      );
      await rolloutOf('web', (x) => x.phase === 'progressing');
    });

    it('when the leader closes, then the other replica takes over within the lease duration and resumes the rollout in flight; its folder watcher starts a dropped-in spec', async () => {
      const leader = leaders()[0]!;
      const follower = running().find((s) => s !== leader)!;
      const inFlight = await rolloutOf('web', (x) => x.phase === 'progressing');
      const before = Date.now();
      await leader.close();
      servers[leader.controller.identity as 'a' | 'b'] = undefined;
      await eventually(
        () => Promise.resolve(follower.controller.isDriving(inFlight.id)),
        (d) => d,
        20_000,
      );
      expect(Date.now() - before).toBeLessThan(timing.leaseDurationMs + 5_000);
      await eventually(
        () => follower.app.chimera.store.events(inFlight.id, 0),
        (events) => events.some((e) => e.type === 'controller-resumed'),
        10_000,
      );
      expect((await follower.app.chimera.store.get(inFlight.id))?.phase).toBe('progressing');

      await writeFile(
        join(folder, 'api.yaml'),
        spec(ns, 'api', '  version: v2\n  stableVersion: v1', ', image: "ghcr.io/acme/api:{version}"'),
      );
      const api2 = await rolloutOf('api', (x) => x.phase === 'progressing');
      expect(api2.toVersion).toBe('v2');
      expect(follower.controller.isDriving(api2.id)).toBe(true);
    });

    it('given a rollout in flight, when the template changes again, then the new version waits and starts once that rollout ends', async () => {
      const leader = leaders()[0]!;
      const inFlight = await rolloutOf('web', (x) => x.phase === 'progressing');
      expect(inFlight.toVersion).toMatch(/^1\.1\.0-/);
      await client.patch(
        resourcePath(DEPLOYMENTS, ns, 'web'),
        { spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.2.0' }] } } } },
        'strategic',
        signal(),
      );
      // Several retry rounds (200 ms each): no second rollout while the first is in flight.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await leader.app.chimera.store.list({ service: 'web' })).toHaveLength(1);

      expect((await api(leader, 'POST', `/api/v1/rollouts/${inFlight.id}/commands`, { command: 'abort' })).status).toBe(
        202,
      );
      const next = await rolloutOf('web', (x) => x.id !== inFlight.id && x.phase === 'progressing');
      expect(next.toVersion).toMatch(/^1\.2\.0-[0-9a-f]{8}$/);
      expect((await leader.app.chimera.store.get(inFlight.id))?.phase).toBe('rolled_back');
    });
  },
);
