import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RolloutState } from '../core/rollout.js';
import { silentLogger } from '../logger.js';
import { makeRolloutState } from '../ports/store.conformance.js';
import type { Store } from '../ports/store.js';
import { openStore } from '../store/index.js';
import { readChart } from './chart-read.js';
import { ChartWriter } from './chart-store.js';
import { EventHub, type HubEvent, type MetricPoint } from './event-hub.js';
import { followStore } from './follower-feed.js';
import { LeaderController } from './leader-controller.js';

function chartPoint(at: number, weight: number): MetricPoint {
  return {
    at,
    weight,
    canary: { rps: weight / 2, errorRate: at % 2 ? 0.01 : 0, p99: 200 + at },
    stable: { rps: 50 - weight / 2, errorRate: 0, p99: 150 },
  };
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('follower feed: the leader’s stored chart points reach the follower’s event hub', () => {
  let dir: string;
  let leaderStore: Store;
  let followerStore: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chimera-follower-'));
    leaderStore = await openStore(dir, silentLogger);
    followerStore = await openStore(dir, silentLogger);
  });
  afterEach(async () => {
    await leaderStore.close();
    await followerStore.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('given a rollout in flight, when the leader stores new points and the rollout ends, then the follower publishes each new point once, as stored', async () => {
    const rollout: RolloutState = makeRolloutState('r1', { service: 'shop', phase: 'progressing', weight: 10 });
    await leaderStore.create(rollout, []);
    // The leader's writer: every point is written at once, three to a chunk.
    const charts = new ChartWriter(leaderStore, silentLogger, { chunkSize: 3, flushMs: 0 });
    charts.append('r1', chartPoint(1_000, 10));
    charts.append('r1', chartPoint(2_000, 10));
    await until(async () => (await readChart(leaderStore, 'r1', silentLogger)).length === 2);

    const follower = new LeaderController({ store: followerStore, dataDir: dir, log: silentLogger }, 'b');
    const hub = new EventHub(follower);
    const published: HubEvent[] = [];
    hub.subscribe({ types: ['metrics', 'state'] }, (e) => published.push(e));
    let polls = 0;
    const watched = Object.create(followerStore) as Store;
    watched.list = async (filter) => {
      const rollouts = await followerStore.list(filter);
      polls++;
      return rollouts;
    };
    const stop = new AbortController();
    const following = followStore(follower, hub, watched, silentLogger, stop.signal, 10);
    try {
      // The first look (the baseline) has ended: the points stored before it are the dashboard's to load.
      await until(() => polls >= 2);
      const later = [
        chartPoint(3_000, 10),
        chartPoint(4_000, 50),
        chartPoint(5_000, 50),
        chartPoint(6_000, 50),
        chartPoint(7_000, 100),
      ];
      for (const p of later) charts.append('r1', p);
      await leaderStore.save({ ...rollout, phase: 'succeeded', weight: 100, revision: 2 }, []);
      await charts.finish('r1');

      await until(() => published.some((e) => e.type === 'state' && e.data.phase === 'succeeded'));
      const seen = polls;
      await until(() => polls >= seen + 3);
      const points = published.filter((e) => e.type === 'metrics');
      expect(points.map((e) => e.data)).toEqual(later);
      expect(points.every((e) => e.rolloutId === 'r1' && e.service === 'shop')).toBe(true);
      // Kept for the chart endpoint as well.
      expect(hub.points('r1')).toEqual(later);
    } finally {
      stop.abort();
      await following;
      hub.close();
      await follower.close();
    }
  });
});
