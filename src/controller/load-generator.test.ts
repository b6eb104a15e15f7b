import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { parseSpec, type LoadedSpec } from '../spec/load.js';
import { errorRateAnalyzer } from '../testing/fake-analyzer.js';
import { FakeMetricProvider } from '../testing/fake-metrics.js';
import { FakePlatform, FakePlatformWorld } from '../testing/fake-platform.js';
import { FakeRouter } from '../testing/fake-router.js';
import { FakeStore, FakeStoreData } from '../testing/fake-store.js';
import { Controller } from './controller.js';

const SPEC = `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: shop }
spec:
  version: v2
  stableVersion: v1
  platform: { kind: local, command: ["true"] }
  router: { kind: builtin-proxy, listen: "127.0.0.1:18080", admin: "127.0.0.1:18081" }
  metrics: { kind: builtin-proxy }
  strategy: { steps: [10, 50], interval: 200ms, minRequests: 5, stepDeadline: 60s, deployTimeout: 5s }
  analysis: { interval: 100ms, loadGenerator: { enabled: true, rps: 200, path: /synthetic } }
`;

/**
 * A quiet service behind fakes, except for the entry point: a real loopback HTTP server standing in for the
 * router's data plane, which splits each request it gets by the fake router's weight and counts it in the fake
 * metrics — as the built-in proxy does. No other traffic ever arrives.
 */
class QuietWorld {
  readonly platformWorld = new FakePlatformWorld();
  readonly storeData = new FakeStoreData();
  readonly metrics = new FakeMetricProvider();
  readonly router: FakeRouter & { entryUrl?: () => string | undefined } = new FakeRouter();
  hits = 0;
  private server?: Server;
  private share = 0;

  /** Starts the entry point and tells the router its URL. */
  async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.hits++;
      const canary = this.router.canary;
      this.share += canary ? this.router.canaryWeight / 100 : 0;
      const toCanary = canary !== undefined && this.share >= 1;
      if (toCanary) this.share -= 1;
      const version = toCanary ? canary.version : this.router.stable?.version;
      if (version) this.metrics.record(version, 1, 0);
      res.end(req.url);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.router.entryUrl = () => url;
  }

  /** Open connections from the load generator (its pool closes when it stops). */
  connections(): Promise<number> {
    return new Promise((r) => this.server!.getConnections((_, n) => r(n)));
  }

  loaded(): LoadedSpec {
    return parseSpec(SPEC, 'test.yaml', '/tmp')[0]!;
  }

  controller(): Controller {
    return new Controller({
      store: new FakeStore(this.storeData),
      dataDir: '/tmp/unused',
      log: silentLogger,
      portsFor: () =>
        Promise.resolve({
          platform: new FakePlatform(this.platformWorld, { replicas: 1 }),
          router: this.router,
          metrics: this.metrics,
          analyzer: errorRateAnalyzer(0.05, 5),
          notifiers: [],
          close: () => Promise.resolve(),
        }),
    });
  }

  events(id: string): string[] {
    return (this.storeData.events.get(id) ?? []).map((e) => e.type);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
    await this.platformWorld.shutdown();
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Controller: load generator for a quiet service', () => {
  let world: QuietWorld;
  afterEach(async () => world.close());

  it('sends synthetic traffic through the router entry point until the rollout promotes, then stops it', async () => {
    world = new QuietWorld();
    await world.listen();
    const controller = world.controller();
    const started = await controller.start(world.loaded());
    const done = await controller.wait(started.id);
    expect(done.phase).toBe('succeeded');
    expect(world.hits).toBeGreaterThan(0);
    const types = world.events(started.id);
    expect(types).toContain('load-generator-started');
    expect(types.filter((t) => t === 'load-generator-stopped')).toHaveLength(
      types.filter((t) => t === 'load-generator-started').length,
    );
    expect(done.loadGenerator).toBeUndefined();
    // The generator's connections close once it has stopped: nothing leaks past the rollout.
    await until('the generator to close its connections', async () =>
      (await world.connections()) === 0 ? 1 : undefined,
    );
  });

  it('a controller that stops takes its generator with it; the next one restarts it and finishes', async () => {
    world = new QuietWorld();
    await world.listen();
    const first = world.controller();
    const started = await first.start(world.loaded());
    await until('synthetic traffic', () =>
      world.events(started.id).includes('load-generator-started') ? 1 : undefined,
    );
    await first.close();
    await until('the generator to close its connections', async () =>
      (await world.connections()) === 0 ? 1 : undefined,
    );
    const left = await first.get(started.id);
    if (left.phase === 'progressing') expect(left.loadGenerator).toBeDefined();
    const hitsBefore = world.hits;
    const second = world.controller();
    await second.resumeAll();
    expect((await second.wait(started.id)).phase).toBe('succeeded');
    if (left.loadGenerator) expect(world.hits).toBeGreaterThan(hitsBefore);
  });

  it('without an entry URL: one warning in the event log, and the rollout goes on without synthetic load', async () => {
    world = new QuietWorld();
    const controller = world.controller();
    const started = await controller.start(world.loaded());
    await until('the warning', () => (world.events(started.id).includes('load-generator-unavailable') ? 1 : undefined));
    const state = await controller.get(started.id);
    expect(state.phase).toBe('progressing');
    const warning = world.storeData.events.get(started.id)!.find((e) => e.type === 'load-generator-unavailable')!;
    expect(warning.reason).toContain('analysis.loadGenerator.url is not set');
    await controller.command('shop', 'abort', 'test');
    expect((await controller.wait(started.id)).phase).toBe('rolled_back');
    expect(world.events(started.id).filter((t) => t === 'load-generator-unavailable')).toHaveLength(1);
  });
});
