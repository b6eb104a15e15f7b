import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { startLoad } from '../../src/loadgen/index.js';
import { startUpstream, type Upstream } from './helpers.js';

describe('startLoad (built-in load generator)', () => {
  let up: Upstream;
  beforeAll(async () => {
    up = await startUpstream('v1');
  });
  afterAll(async () => {
    await up?.close();
  });

  it('sends at most the scheduled rate and counts every response by class', async () => {
    const stats = await startLoad({ url: `http://127.0.0.1:${up.port}/`, rps: 100, durationMs: 1_000 }).done;
    expect(stats.sent).toBeGreaterThan(0);
    // open loop on a schedule: never more than rps × elapsed (+1 for the tick that ends the run)
    expect(stats.sent + stats.skipped).toBeLessThanOrEqual(Math.floor((stats.elapsedMs * 100) / 1000) + 1);
    expect(stats.byClass['2xx'] + stats.failed).toBe(stats.sent);
    expect(stats.inFlight).toBe(0);
  });

  it('counts 5xx answers as such, and stop() ends a run without a duration', async () => {
    const load = startLoad({ url: `http://127.0.0.1:${up.port}/fail`, rps: 200 });
    while (load.stats().byClass['5xx'] < 5) await new Promise((r) => setTimeout(r, 20));
    const stats = await load.stop();
    expect(stats.byClass['5xx']).toBe(stats.sent - stats.failed);
    expect(await load.done).toEqual(stats);
  });

  it('stops when its signal aborts', async () => {
    const ac = new AbortController();
    const load = startLoad({ url: `http://127.0.0.1:${up.port}/`, rps: 50, signal: ac.signal });
    ac.abort();
    const stats = await load.done;
    expect(stats.inFlight).toBe(0);
  });

  it.each([
    [{ url: 'not a url', rps: 10 }],
    [{ url: 'ftp://127.0.0.1/', rps: 10 }],
    [{ url: 'http://127.0.0.1:1/', rps: 0 }],
    [{ url: 'http://127.0.0.1:1/', rps: Number.NaN }],
  ])('rejects bad options %j with a ConfigError', (opts) => {
    expect(() => startLoad(opts)).toThrow(ConfigError);
  });
});
