import { describe, expect, it } from 'vitest';
import type { RolloutPorts } from '../controller/rollout-ports.js';
import type { RolloutState } from '../core/rollout.js';
import { ProviderError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { eventually } from '../ports/platform.conformance.js';
import { parseSpec } from '../spec/load.js';
import { constantAnalyzer } from '../testing/fake-analyzer.js';
import { FakeMetricProvider } from '../testing/fake-metrics.js';
import { FakePlatform, FakePlatformWorld } from '../testing/fake-platform.js';
import { FakeRouter } from '../testing/fake-router.js';
import { FakeStore, FakeStoreData } from '../testing/fake-store.js';
import { LeaderController } from './leader-controller.js';

// A long step interval: the rollout stays in flight at its first step for the whole test.
const SPEC = `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: shop }
spec:
  version: v2
  stableVersion: v1
  platform: { kind: local, command: ["true"] }
  router: { kind: builtin-proxy, listen: "127.0.0.1:18080", admin: "127.0.0.1:18081" }
  metrics: { kind: builtin-proxy }
  strategy: { steps: [10, 50], interval: 10m, minRequests: 5, stepDeadline: 20m, deployTimeout: 5s }
  analysis: { interval: 100ms }
`;

function replica(data: FakeStoreData, world: FakePlatformWorld, identity: string): LeaderController {
  return new LeaderController(
    {
      store: new FakeStore(data),
      dataDir: '/tmp/unused',
      log: silentLogger,
      portsFor: () =>
        Promise.resolve<RolloutPorts>({
          platform: new FakePlatform(world, { replicas: 1 }),
          router: new FakeRouter(),
          metrics: new FakeMetricProvider(),
          analyzer: constantAnalyzer('continue'),
          notifiers: [],
          close: () => Promise.resolve(),
        }),
    },
    identity,
  );
}

const loaded = () => parseSpec(SPEC, 'test.yaml', '/tmp')[0]!;

describe('LeaderController: only a leading replica drives rollouts', () => {
  it('given a follower, then it starts nothing (retriable, naming the leader) and resumes nothing', async () => {
    const c = replica(new FakeStoreData(), new FakePlatformWorld(), 'b');
    c.observeLeader('a');
    const err = await c.start(loaded()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retriable).toBe(true);
    expect((err as Error).message).toContain("'a'");
    expect(await c.resumeAll()).toEqual([]);
    expect(c.isLeader()).toBe(false);
    expect(c.leader()).toBe('a');
    await c.close();
  });

  it('given a leader driving a rollout, when it steps down, then the driver stops at once and the rollout stays in flight; a follower command waits in the store; the next term resumes it and applies the command', async () => {
    const data = new FakeStoreData();
    const world = new FakePlatformWorld();
    const a = replica(data, world, 'a');
    const b = replica(data, world, 'b');
    const states: RolloutState[] = [];
    a.on('state', (s) => states.push(s));
    await a.lead();
    expect(a.leader()).toBe('a');
    const started = await a.start(loaded());
    const driving = await eventually(
      () => a.get(started.id),
      (s) => s.phase === 'progressing',
      10_000,
    );
    expect(a.isDriving(started.id)).toBe(true);
    expect(states.some((s) => s.phase === 'progressing')).toBe(true); // the term's events reach listeners

    await a.stepDown();
    expect(a.isDriving(started.id)).toBe(false);
    expect(a.isLeader()).toBe(false);
    const after = await a.get(started.id);
    expect(after.phase).toBe('progressing');
    expect(after.weight).toBe(driving.weight);

    await b.command('shop', 'pause', 'someone');
    expect(await b.store.getValue(`pending-command:${started.id}`)).toBeDefined();
    expect(await b.lead()).toEqual([started.id]);
    expect(b.isDriving(started.id)).toBe(true);
    await eventually(
      () => b.get(started.id),
      (s) => s.phase === 'paused',
      10_000,
    );
    await b.close();
    await a.close();
  });
});
