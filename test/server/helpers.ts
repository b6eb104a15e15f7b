import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Controller } from '../../src/controller/controller.js';
import type { RolloutPorts } from '../../src/controller/rollout-ports.js';
import { silentLogger } from '../../src/logger.js';
import type { Analyzer } from '../../src/ports/analyzer.js';
import type { Store } from '../../src/ports/store.js';
import { buildServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/index.js';
import { constantAnalyzer } from '../../src/testing/fake-analyzer.js';
import { FakeMetricProvider } from '../../src/testing/fake-metrics.js';
import { FakePlatform, FakePlatformWorld } from '../../src/testing/fake-platform.js';
import { FakeRouter } from '../../src/testing/fake-router.js';

/** A spec the server accepts; the fakes below stand in for its platform, router and metrics. */
export const SPEC = `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: shop }
spec:
  version: v2
  stableVersion: v1
  platform: { kind: local, command: ["true"] }
  router: { kind: builtin-proxy, listen: "127.0.0.1:18080", admin: "127.0.0.1:18081" }
  metrics: { kind: builtin-proxy }
  strategy: { steps: [10, 50], interval: 200ms, minRequests: 5, stepDeadline: 60s, deployTimeout: 5s }
  analysis: { interval: 100ms }
`;

export interface TestServer {
  app: FastifyInstance;
  /** The SQLite store's folder: a second handle on it is another replica, or the server after a restart. */
  dataDir: string;
  store: Store;
  controller: Controller;
  router: FakeRouter;
  metrics: FakeMetricProvider;
  tokens: { admin: string; operator: string; viewer: string };
  /** Simulated users: requests split by the router's weight, recorded as the metrics back-end's counts. */
  pump(canaryErrorRate?: number): void;
  /** Bearer header for a role. */
  as(role: 'admin' | 'operator' | 'viewer'): { authorization: string };
  close(): Promise<void>;
}

/**
 * The real server (routes, auth, event hub, SQLite store in a temp folder, real controller) with fake ports under
 * the controller, so rollouts run in milliseconds and deterministically. `analyzer` decides their fate.
 */
export async function testServer(opts: { analyzer?: Analyzer; heartbeatMs?: number } = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chimera-server-test-'));
  const store = await openStore(dataDir, silentLogger);
  const world = new FakePlatformWorld();
  const router = new FakeRouter();
  const metrics = new FakeMetricProvider();
  const analyzer = opts.analyzer ?? constantAnalyzer('continue');
  const controller = new Controller({
    store,
    dataDir,
    log: silentLogger,
    portsFor: () =>
      Promise.resolve<RolloutPorts>({
        platform: new FakePlatform(world, { replicas: 1 }),
        router,
        metrics,
        analyzer,
        notifiers: [],
        close: () => Promise.resolve(),
      }),
  });
  const app = await buildServer({ controller, store, log: silentLogger, heartbeatMs: opts.heartbeatMs ?? 15_000 });
  app.chimera.ready = true;
  const t = app.chimera.tokens;
  const tokens = {
    admin: (await t.create('admin', 'test-admin')).token,
    operator: (await t.create('operator', 'test-operator')).token,
    viewer: (await t.create('viewer', 'test-viewer')).token,
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    app,
    dataDir,
    store,
    controller,
    router,
    metrics,
    tokens,
    as: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    pump(rate = 0) {
      clearInterval(timer);
      timer = setInterval(() => {
        const w = router.canary ? Math.round(router.canaryWeight) : 0;
        if (router.stable) metrics.record(router.stable.version, 100 - w, 0);
        if (router.canary && w > 0) metrics.record(router.canary.version, w, Math.round(w * rate));
      }, 10);
    },
    async close() {
      clearInterval(timer);
      await app.close();
      await controller.close();
      await world.shutdown();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` holds (no timed assertions: generous deadline, fails loudly). */
/** Registers {@link SPEC} (as admin) and starts a rollout of its service (as operator); returns the rollout id. */
export async function startShopRollout(s: TestServer): Promise<string> {
  await s.app.inject({ method: 'POST', url: '/api/v1/specs', headers: s.as('admin'), payload: { yaml: SPEC } });
  const res = await s.app.inject({
    method: 'POST',
    url: '/api/v1/rollouts',
    headers: s.as('operator'),
    payload: { service: 'shop' },
  });
  return res.json<{ id: string }>().id;
}

export async function until(check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
