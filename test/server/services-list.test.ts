import { afterEach, describe, expect, it } from 'vitest';
import { newRollout } from '../../src/core/engine.js';
import type { RolloutFilter, Store } from '../../src/ports/store.js';
import { SERVICE_INDEX_KEY, ServiceIndex } from '../../src/controller/service-index.js';
import { parseSpec } from '../../src/spec/load.js';
import { planFromSpec } from '../../src/spec/plan.js';
import { constantAnalyzer } from '../../src/testing/fake-analyzer.js';
import { SPEC, testServer, until, type TestServer } from './helpers.js';

const plan = planFromSpec(parseSpec(SPEC)[0]!.spec);
const analyzer = constantAnalyzer('continue');
const BASE = Date.UTC(2026, 0, 1);
let seq = 0;

/** Records a rollout straight into the store, as another process sharing it would. */
async function record(store: Store, service: string): Promise<string> {
  seq += 1;
  const id = `${service}-${seq}`;
  const t = newRollout({ id, service, fromVersion: 'v1', toVersion: `v${seq + 1}`, plan }, analyzer, BASE + seq);
  await store.create(t.state, t.log);
  return id;
}

/** Which list() calls a request makes: a listing must never read rollouts without a bound. */
function spyOnList(store: Store): RolloutFilter[] {
  const calls: RolloutFilter[] = [];
  const list = store.list.bind(store);
  store.list = (f?: RolloutFilter) => {
    calls.push(f ?? {});
    return list(f);
  };
  return calls;
}

interface Listed {
  services: Array<{ name: string; registered: boolean; latest?: { id: string } }>;
}

/** GET /api/v1/services over a store holding more rollouts than any fixed window would cover. */
describe('services list with many rollouts', () => {
  let s: TestServer;
  afterEach(async () => s?.close());

  const services = async (): Promise<Listed['services']> => {
    const res = await s.app.inject({ method: 'GET', url: '/api/v1/services', headers: s.as('viewer') });
    expect(res.statusCode).toBe(200);
    return res.json<Listed>().services;
  };

  it('lists a service whose only rollout is older than 600 others, from a store filled before the server ran', async () => {
    s = await testServer();
    const oldest = await record(s.store, 'quiet');
    const latest = new Map<string, string>();
    for (let i = 0; i < 600; i++) {
      const name = `busy-${i % 7}`;
      latest.set(name, await record(s.store, name));
    }
    // Recorded straight into the store, these rollouts predate the index (which every controller start now
    // updates, and which the server created empty at start-up): a store from before the index existed.
    await s.store.setValue(SERVICE_INDEX_KEY, undefined);
    const calls = spyOnList(s.store);
    const list = await services();
    expect(list.map((x) => x.name)).toEqual([
      'busy-0',
      'busy-1',
      'busy-2',
      'busy-3',
      'busy-4',
      'busy-5',
      'busy-6',
      'quiet',
    ]);
    expect(list.find((x) => x.name === 'quiet')?.latest?.id).toBe(oldest);
    for (const [name, id] of latest) expect(list.find((x) => x.name === name)?.latest?.id).toBe(id);
    // The first listing on this store builds the index (one pass); later ones read only bounded windows.
    expect(JSON.parse((await s.store.getValue(SERVICE_INDEX_KEY))!)).toEqual(list.map((x) => x.name));
    calls.length = 0;
    expect((await services()).map((x) => x.name)).toContain('quiet');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.limit, JSON.stringify(c)).toBeDefined();
      expect(c.limit!).toBeLessThanOrEqual(20);
    }
  });

  it('keeps listing a service started through the server after 550 newer rollouts of others', async () => {
    s = await testServer();
    // The index exists (and is empty) before anything happens.
    expect(await services()).toEqual([]);
    const loaded = parseSpec(SPEC.replace('name: shop', 'name: rare'))[0]!;
    s.pump();
    const started = await s.controller.start(loaded, 'v2', 'test');
    // The controller's events put it in the index; nothing lists services meanwhile.
    await until(async () => (await s.store.getValue(SERVICE_INDEX_KEY))?.includes('"rare"') === true);
    await s.controller.command(started.id, 'abort', 'test');
    await until(async () => (await s.store.get(started.id))?.phase === 'rolled_back');
    for (let i = 0; i < 550; i++) await record(s.store, `other-${i % 5}`);
    const calls = spyOnList(s.store);
    const list = await services();
    expect(list.map((x) => x.name)).toEqual(['other-0', 'other-1', 'other-2', 'other-3', 'other-4', 'rare']);
    expect(list.find((x) => x.name === 'rare')?.latest?.id).toBe(started.id);
    for (const c of calls) expect(c.limit!).toBeLessThanOrEqual(20);
  });

  it('lists a registered service that never had a rollout, and a rollout recorded by another process', async () => {
    s = await testServer();
    await s.app.inject({ method: 'POST', url: '/api/v1/specs', headers: s.as('admin'), payload: { yaml: SPEC } });
    expect(await services()).toEqual([{ name: 'shop', registered: true }]);
    const id = await record(s.store, 'elsewhere');
    const list = await services();
    expect(list.map((x) => [x.name, x.registered, x.latest?.id])).toEqual([
      ['elsewhere', false, id],
      ['shop', true, undefined],
    ]);
    // Remembered from then on, however many rollouts follow.
    for (let i = 0; i < 30; i++) await record(s.store, 'chatty');
    expect((await services()).map((x) => x.name)).toEqual(['chatty', 'elsewhere', 'shop']);
  });

  it('loses no name when two servers sharing the store add services at the same time', async () => {
    s = await testServer();
    // A read that takes a moment leaves room for the other writer between reading the index and writing it back.
    const getValue = s.store.getValue.bind(s.store);
    s.store.getValue = async (key: string) => {
      const value = await getValue(key);
      await new Promise((r) => setTimeout(r, 2));
      return value;
    };
    const a = new ServiceIndex(s.store);
    const b = new ServiceIndex(s.store);
    const names = Array.from({ length: 40 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    await Promise.all([a.names(), b.names()]);
    await Promise.all([a.add(names.filter((_, i) => i % 2 === 0)), b.add(names.filter((_, i) => i % 2 === 1))]);
    expect(JSON.parse((await s.store.getValue(SERVICE_INDEX_KEY))!)).toEqual(names);
    expect(await a.names()).toEqual(names);
  });

  it('rebuilds a damaged index instead of failing', async () => {
    s = await testServer();
    const id = await record(s.store, 'kept');
    for (let i = 0; i < 25; i++) await record(s.store, 'noisy');
    await s.store.setValue(SERVICE_INDEX_KEY, '{not json');
    const list = await services();
    expect(list.map((x) => x.name)).toEqual(['kept', 'noisy']);
    expect(list[0]?.latest?.id).toBe(id);
  });
});
