import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorRateAnalyzer } from '../../src/testing/fake-analyzer.js';
import { startShopRollout, testServer, until, type TestServer } from './helpers.js';
import { seqOf, SseClient } from './sse-client.js';

/** The event stream over a real socket: order, live metrics, resume with Last-Event-ID, reset, heartbeats. */
describe('event stream (SSE)', () => {
  let s: TestServer;
  let base: string;
  const clients: SseClient[] = [];
  const open = async (query = '', headers: Record<string, string> = s.as('viewer')) => {
    const c = await SseClient.open(`${base}/api/v1/stream${query}`, headers);
    clients.push(c);
    return c;
  };
  const startRollout = () => startShopRollout(s);
  const phases = (c: SseClient) =>
    c.events
      .filter((e) => e.event === 'state')
      .map((e) => (JSON.parse(e.data) as { data: { phase: string } }).data.phase);

  beforeEach(async () => {
    s = await testServer({ analyzer: errorRateAnalyzer(0.05, 20), heartbeatMs: 100 });
    base = await s.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await s.close();
  });

  it('refuses an anonymous stream with 401', async () => {
    const c = await open('', {});
    expect(c.status).toBe(401);
  });

  it('streams a rollout in order, with live per-version metrics, until it is promoted', async () => {
    s.pump();
    const c = await open();
    expect(c.status).toBe(200);
    const id = await startRollout();
    await c.until((x) => phases(x).includes('succeeded'));
    const ids = c.events.map((e) => seqOf(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(phases(c)).toEqual(expect.arrayContaining(['deploying', 'progressing', 'promoting', 'succeeded']));
    const metrics = c.events
      .filter((e) => e.event === 'metrics')
      .map((e) => JSON.parse(e.data) as { rolloutId: string; data: { canary: { rps: number } } });
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics.every((m) => m.rolloutId === id)).toBe(true);
    expect(metrics.some((m) => m.data.canary.rps > 0)).toBe(true);
    const logs = c.events
      .filter((e) => e.event === 'log')
      .map((e) => (JSON.parse(e.data) as { data: { type: string } }).data.type);
    expect(logs).toContain('step-advanced');
    expect(c.comments.some((x) => x.startsWith('heartbeat'))).toBe(true);
  });

  it('resumes after a disconnect from Last-Event-ID without losing or repeating an event', async () => {
    s.pump();
    const reference = await open();
    const first = await open();
    await startRollout();
    await first.until((x) => x.events.length >= 3);
    first.close();
    const lastSeen = first.events[first.events.length - 1]!.id!;
    // Let the rollout move on while the client is away.
    await reference.until((x) => x.events.some((e) => seqOf(e.id) > seqOf(lastSeen) + 3));
    const resumed = await open('', { ...s.as('viewer'), 'last-event-id': lastSeen });
    await reference.until((x) => phases(x).includes('succeeded'));
    const lastRef = reference.events[reference.events.length - 1]!.id!;
    await resumed.until((x) => x.events.some((e) => e.id === lastRef));
    const got = [...first.events, ...resumed.events].map((e) => e.id);
    expect(got).toEqual(reference.events.map((e) => e.id));
  });

  it('filters by rollout, and tells a client from another server life to reload (reset)', async () => {
    const c = await open('?rollout=nothing-like-this');
    const onlyState = await open('?types=state');
    expect((await open('?types=state,gossip')).status).toBe(400);
    const stale = await open('', { ...s.as('viewer'), 'last-event-id': 'deadbeef.12' });
    s.pump();
    const id = await startRollout();
    await until(async () => (await s.store.get(id))?.phase === 'succeeded');
    await stale.until((x) => x.events.some((e) => e.event === 'reset'));
    await c.until((x) => x.comments.some((m) => m.startsWith('heartbeat')));
    expect(c.events).toEqual([]);
    await onlyState.until((x) => phases(x).includes('succeeded'));
    expect(new Set(onlyState.events.map((e) => e.event))).toEqual(new Set(['state']));
  });
});
