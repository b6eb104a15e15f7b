import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Controller } from '../../src/controller/controller.js';
import type { RolloutPorts } from '../../src/controller/rollout-ports.js';
import { GateRunner } from '../../src/gates/runner.js';
import { silentLogger } from '../../src/logger.js';
import type { Notifier } from '../../src/ports/notifier.js';
import type { Store } from '../../src/ports/store.js';
import { buildServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/index.js';
import { constantAnalyzer } from '../../src/testing/fake-analyzer.js';
import { FakeMetricProvider } from '../../src/testing/fake-metrics.js';
import { FakePlatform, FakePlatformWorld } from '../../src/testing/fake-platform.js';
import { FakeRouter } from '../../src/testing/fake-router.js';

/** A spec for service `shop`: v1 stable, two quick steps. `extra` is appended under `spec:`. */
export function shopSpec(extra = ''): string {
  return `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: shop }
spec:
  version: v2
  stableVersion: v1
  platform: { kind: local, command: ["true"] }
  router: { kind: builtin-proxy, listen: "127.0.0.1:18080", admin: "127.0.0.1:18081" }
  metrics: { kind: builtin-proxy }
  strategy: { steps: [10, 50], interval: 100ms, minRequests: 5, stepDeadline: 60s, deployTimeout: 5s }
  analysis: { interval: 100ms }
${extra}`;
}

export interface World {
  app: FastifyInstance;
  store: Store;
  controller: Controller;
  /** Simulated users: requests split by the router's weight, counted as the metrics back-end's numbers. */
  pump(): void;
  close: () => Promise<void>;
}

/**
 * The real server and controller over a SQLite store in a temp folder, with fake platform/router/metrics ports
 * (so rollouts take milliseconds) but the REAL gate runner and notifiers built from the spec, talking HTTP to
 * receivers on loopback. The analyzer is always healthy: gates alone decide.
 */
export async function world(opts: { notifiers?: Notifier[] } = {}): Promise<World> {
  process.env.CHIMERA_ALLOW_LOOPBACK_URLS = '1';
  const dataDir = await mkdtemp(join(tmpdir(), 'chimera-triggers-test-'));
  const store = await openStore(dataDir, silentLogger);
  const fakes = new FakePlatformWorld();
  const router = new FakeRouter();
  const metrics = new FakeMetricProvider();
  const controller: Controller = new Controller({
    store,
    dataDir,
    log: silentLogger,
    serverUrl: 'https://chimera.example',
    portsFor: (loaded) =>
      Promise.resolve<RolloutPorts>({
        platform: new FakePlatform(fakes, { replicas: 1 }),
        router,
        metrics,
        analyzer: constantAnalyzer('healthy'),
        notifiers: opts.notifiers ?? [],
        ...(loaded.spec.spec.hooks.length > 0
          ? {
              gates: new GateRunner({
                hooks: loaded.spec.spec.hooks,
                store,
                log: silentLogger,
                approvalPollMs: 20,
                backoffMs: 20,
                rolloutUrl: (id) => controller.rolloutUrl(id),
              }),
            }
          : {}),
        close: () => Promise.resolve(),
      }),
  });
  const app = await buildServer({ controller, store, log: silentLogger });
  app.chimera.ready = true;
  let timer: NodeJS.Timeout | undefined;
  return {
    app,
    store,
    controller,
    pump() {
      clearInterval(timer);
      timer = setInterval(() => {
        const w = router.canary ? Math.round(router.canaryWeight) : 0;
        if (router.stable) metrics.record(router.stable.version, 100 - w, 0);
        if (router.canary && w > 0) metrics.record(router.canary.version, w, 0);
      }, 10);
    },
    async close() {
      clearInterval(timer);
      await app.close();
      await controller.close();
      await fakes.shutdown();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP receiver on an ephemeral loopback port; `answer` picks each response's status. */
export async function receiver(answer: (n: number, r: Received) => number = () => 200): Promise<{
  url: string;
  got: Received[];
  close: () => Promise<void>;
}> {
  const got: Received[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      const status = answer(++n, r);
      if (status >= 200 && status < 300) got.push(r);
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` holds (generous deadline, no timed assertions). */
export async function until(check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
