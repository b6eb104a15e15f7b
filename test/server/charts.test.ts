import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller/controller.js';
import { silentLogger } from '../../src/logger.js';
import { buildServer } from '../../src/server/app.js';
import type { MetricPoint } from '../../src/server/event-hub.js';
import { openStore } from '../../src/store/index.js';
import { errorRateAnalyzer } from '../../src/testing/fake-analyzer.js';
import { startShopRollout, testServer, until, type TestServer } from './helpers.js';

/** Another server on the same store folder: a second replica, or this server after a restart. It drives nothing. */
async function serverOn(dataDir: string): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const store = await openStore(dataDir, silentLogger);
  const controller = new Controller({ store, dataDir, log: silentLogger });
  const app = await buildServer({ controller, store, log: silentLogger });
  app.chimera.ready = true;
  return {
    app,
    close: async () => {
      await app.close();
      await controller.close();
      await store.close();
    },
  };
}

/** The live chart outlives the server that drew it and shows on every server sharing the store. */
describe('chart points in the store', () => {
  let s: TestServer;
  const others: Array<{ close(): Promise<void> }> = [];
  beforeEach(async () => {
    s = await testServer({ analyzer: errorRateAnalyzer(0.2, 20) });
  });
  afterEach(async () => {
    for (const o of others.splice(0)) await o.close();
    await s.close();
  });

  const chartOf = async (app: FastifyInstance, id: string) => {
    const res = await app.inject({ url: `/api/v1/rollouts/${id}/metrics`, headers: s.as('viewer') });
    expect(res.statusCode).toBe(200);
    return res.json<{ points: MetricPoint[] }>().points;
  };

  it('given a rollout run on server A, then server B on the same store, and a server started after A closed, answer its chart', async () => {
    const b = await serverOn(s.dataDir);
    others.push(b);
    s.pump(0.1);
    const id = await startShopRollout(s);
    await until(async () => (await s.store.get(id))?.phase === 'succeeded');

    // What A drew, from its memory: both steps, with the traffic the simulated users sent (10% canary errors).
    const drawn = s.app.chimera.hub.points(id);
    const weights = new Set(drawn.map((p) => p.weight));
    expect(weights.has(10) && weights.has(50)).toBe(true);
    expect(drawn.every((p) => p.stable.errorRate === 0)).toBe(true);
    expect(drawn.some((p) => p.canary.rps > 0 && p.canary.errorRate > 0.05 && p.canary.errorRate < 0.15)).toBe(true);
    expect(await chartOf(s.app, id)).toEqual(drawn);

    // B never saw a measurement: it answers from the store, once A has written the last points.
    expect(b.app.chimera.hub.points(id)).toEqual([]);
    await until(async () => (await chartOf(b.app, id)).length === drawn.length);
    expect(await chartOf(b.app, id)).toEqual(drawn);

    // A closes; a fresh server on the same store still answers the chart.
    await s.app.close();
    await s.controller.close();
    const c = await serverOn(s.dataDir);
    others.push(c);
    expect(await chartOf(c.app, id)).toEqual(drawn);

    // A damaged chart in the store is skipped (logged), not a server error.
    await s.store.setValue(`chart:${id}`, '{"first": 0, "last"');
    expect(await chartOf(c.app, id)).toEqual([]);
  });
});
