import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, ProviderError } from '../errors.js';
import { silentLogger } from '../logger.js';
import type { Analyzer } from '../ports/analyzer.js';
import { parseSpec, type LoadedSpec } from '../spec/load.js';
import { errorRateAnalyzer } from '../testing/fake-analyzer.js';
import { FakeMetricProvider } from '../testing/fake-metrics.js';
import { FakePlatform, FakePlatformWorld } from '../testing/fake-platform.js';
import { FakeRouter } from '../testing/fake-router.js';
import { FakeStore, FakeStoreData } from '../testing/fake-store.js';
import { Controller } from './controller.js';
import type { RolloutPorts } from './rollout-ports.js';

const SPEC = `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: shop }
spec:
  version: v2
  stableVersion: v1
  platform: { kind: local, command: ["true"] }
  router: { kind: builtin-proxy, listen: "127.0.0.1:18080", admin: "127.0.0.1:18081" }
  metrics: { kind: builtin-proxy }
  strategy: { steps: [10, 50], interval: 100ms, minRequests: 5, stepDeadline: 10s, deployTimeout: 5s }
  analysis: { interval: 100ms }
`;

/** A world of fakes shared by every controller of a test (as one machine is shared by restarted controllers). */
class World {
  readonly platformWorld = new FakePlatformWorld();
  readonly storeData = new FakeStoreData();
  readonly router = new FakeRouter();
  readonly metrics = new FakeMetricProvider();
  canaryErrorRate = 0;
  private pumpTimer?: NodeJS.Timeout;
  analyzer: Analyzer = errorRateAnalyzer(0.05, 5);

  loaded(): LoadedSpec {
    return parseSpec(SPEC, 'test.yaml', '/tmp')[0]!;
  }

  controller(): Controller {
    return new Controller({
      store: new FakeStore(this.storeData),
      dataDir: '/tmp/unused',
      log: silentLogger,
      portsFor: () =>
        Promise.resolve<RolloutPorts>({
          platform: new FakePlatform(this.platformWorld, { replicas: 1 }),
          router: this.router,
          metrics: this.metrics,
          analyzer: this.analyzer,
          notifiers: [],
          close: () => Promise.resolve(),
        }),
    });
  }

  /** Users: 100 requests every 10 ms, split as the router's weight says. */
  pump(): void {
    this.pumpTimer = setInterval(() => {
      const canary = this.router.canary;
      const toCanary = canary ? Math.round(this.router.canaryWeight) : 0;
      if (this.router.stable) this.metrics.record(this.router.stable.version, 100 - toCanary, 0);
      if (canary && toCanary > 0) {
        this.metrics.record(canary.version, toCanary, Math.round(toCanary * this.canaryErrorRate));
      }
    }, 10);
  }

  async close(): Promise<void> {
    clearInterval(this.pumpTimer);
    await this.platformWorld.shutdown();
  }
}

describe('Controller with fake ports', () => {
  let world: World;
  afterEach(async () => world.close());

  it('given a healthy canary, walks the steps, promotes it and retires the old version', async () => {
    world = new World();
    world.pump();
    const controller = world.controller();
    const started = await controller.start(world.loaded(), undefined, 'test');
    const done = await controller.wait(started.id);
    expect(done.phase).toBe('succeeded');
    // The router saw every step, then the promotion, and now serves only v2.
    const weights = world.router.calls.filter((c) => c.method === 'setWeight').map((c) => c.weight);
    expect(weights).toEqual(expect.arrayContaining([0, 10, 50, 100]));
    expect(world.router.stable?.version).toBe('v2');
    expect(world.router.canary).toBeUndefined();
    expect([...world.platformWorld.versions.keys()]).toEqual([JSON.stringify(['shop', 'v2'])]);
    const events = world.storeData.events.get(started.id)!;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)!.type).toBe('promoted');
  });

  it('persists each decision before its effect runs', async () => {
    world = new World();
    world.pump();
    const controller = world.controller();
    const store = new FakeStore(world.storeData);
    const seen: Array<{ asked: number; recorded: number | undefined }> = [];
    const setWeight = world.router.setWeight.bind(world.router);
    let rolloutId = '';
    world.router.setWeight = async (w, signal) => {
      if (rolloutId) seen.push({ asked: w, recorded: (await store.get(rolloutId))?.weight });
      return setWeight(w, signal);
    };
    const started = await controller.start(world.loaded());
    rolloutId = started.id;
    await controller.wait(started.id);
    const steps = seen.filter((s) => s.asked === 10 || s.asked === 50);
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) expect(s.recorded).toBe(s.asked);
  });

  it('given a canary that fails, rolls it back: all traffic to stable, canary removed', async () => {
    world = new World();
    world.canaryErrorRate = 0.5;
    world.pump();
    const controller = world.controller();
    const started = await controller.start(world.loaded(), 'v3');
    const done = await controller.wait(started.id);
    expect(done.phase).toBe('rolled_back');
    expect(world.router.stable?.version).toBe('v1');
    expect(world.router.canaryWeight).toBe(0);
    expect([...world.platformWorld.versions.keys()]).toEqual([JSON.stringify(['shop', 'v1'])]);
  });

  it('retries an effect that failed for a passing reason', async () => {
    world = new World();
    world.pump();
    const controller = world.controller();
    const started = await controller.start(world.loaded());
    // The stable version is up; the rollout's first router call (canary weight 10%) fails once.
    world.router.failNext(new ProviderError('proxy admin timed out', 'fake', true));
    const done = await controller.wait(started.id);
    expect(done.phase).toBe('succeeded');
    const failures = world.storeData.events.get(started.id)!.filter((e) => e.type === 'effect-failed');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]!.reason).toMatch(/proxy admin timed out/);
  });

  it('backs off between retries of a failing effect instead of retrying on every cycle', async () => {
    world = new World();
    world.pump();
    const controller = world.controller();
    const started = await controller.start(world.loaded());
    for (let i = 0; i < 3; i++) world.router.failNext(new ProviderError('proxy admin timed out', 'fake', true));
    expect((await controller.wait(started.id)).phase).toBe('succeeded');
    const failures = world.storeData.events.get(started.id)!.filter((e) => e.type === 'effect-failed');
    expect(failures).toHaveLength(3);
    // Each retry waits at least twice as long as the one before (0.5 s, then 1 s): a lower bound, never flaky.
    for (let k = 1; k < failures.length; k++) {
      expect(failures[k]!.at - failures[k - 1]!.at).toBeGreaterThanOrEqual(500 * 2 ** (k - 1));
    }
  });

  it('refuses a second rollout of the same service for another version', async () => {
    world = new World();
    const controller = world.controller();
    world.platformWorld.unready.add('v2'); // the first rollout stays in deploying
    const first = await controller.start(world.loaded());
    await expect(controller.start(world.loaded(), 'v3')).rejects.toBeInstanceOf(ConflictError);
    await controller.command('shop', 'abort', 'test');
    expect((await controller.wait(first.id)).phase).toBe('rolled_back');
  });

  it('takes a command given through the store by a controller that does not drive the rollout', async () => {
    world = new World();
    world.platformWorld.unready.add('v2');
    const driving = world.controller();
    const started = await driving.start(world.loaded());
    const other = world.controller();
    await other.command('shop', 'abort', 'cli:someone');
    const done = await driving.wait(started.id);
    expect(done.phase).toBe('rolled_back');
    const abort = world.storeData.events.get(started.id)!.find((e) => e.type === 'rollback-started');
    expect(abort?.reason).toMatch(/cli:someone/);
  });

  it('resumes a rollout another controller left half-way, without losing events', async () => {
    world = new World();
    world.pump();
    world.analyzer = errorRateAnalyzer(0.05, 5);
    const first = world.controller();
    const started = await first.start(world.loaded());
    // Let it reach progressing, then stop driving (as a crash would, minus the lease: close releases it).
    for (let i = 0; i < 200 && (await first.get(started.id)).phase !== 'progressing'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await first.close();
    const before = [...world.storeData.events.get(started.id)!];
    const second = world.controller();
    expect(await second.resumeAll()).toEqual([started.id]);
    const done = await second.wait(started.id);
    expect(done.phase).toBe('succeeded');
    const after = world.storeData.events.get(started.id)!;
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.some((e) => e.type === 'controller-resumed')).toBe(true);
  });

  it('stops driving at once when another controller has taken its lease, and leaves that lease alone', async () => {
    world = new World();
    // No users: the first step holds, so the rollout is still in flight when its lease changes hands.
    const controller = world.controller();
    const store = new FakeStore(world.storeData);
    const started = await controller.start(world.loaded());
    await until(async () => (await store.get(started.id))?.phase === 'progressing');
    const other = JSON.stringify({ owner: 'replica-b', host: 'another-node', pid: 1, renewedAt: Date.now() + 60_000 });
    await store.setValue(`lease:${started.id}`, other);
    await until(() => Promise.resolve(!controller.isDriving(started.id)));
    expect(await store.getValue(`lease:${started.id}`)).toBe(other);
    expect((await store.get(started.id))!.phase).toBe('progressing');
    await controller.close();
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
