import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry, RolloutState } from '../core/rollout.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Store } from './store.js';

/** What a store implementation hands the suite. */
export interface StoreHarness {
  store: Store;
  /** Another handle on the same data (a second connection), to check what other readers and writers see. */
  open(): Promise<Store>;
  /** Closes every handle and removes what the setup created. */
  cleanup(): Promise<void>;
}

/** A valid rollout state for tests; pass overrides for what the test is about. */
export function makeRolloutState(id: string, overrides: Partial<RolloutState> = {}): RolloutState {
  const at = overrides.createdAt ?? 1_700_000_000_000;
  return {
    id,
    service: 'web',
    fromVersion: 'v1',
    toVersion: 'v2',
    phase: 'pending',
    stepIndex: -1,
    weight: 0,
    stepCanaryRequests: 0,
    plan: {
      steps: [10, 50, 100],
      stepIntervalMs: 30_000,
      minRequestsPerStep: 100,
      deployTimeoutMs: 120_000,
      stepDeadlineMs: 600_000,
      onInconclusive: 'pause',
      maxMetricFailures: 3,
      analysisEnabled: true,
    },
    analysis: {
      state: null,
      canaryRequests: 0,
      canaryErrors: 0,
      stableRequests: 0,
      stableErrors: 0,
      consecutiveMetricFailures: 0,
      skipped: false,
    },
    createdAt: at,
    updatedAt: at,
    reason: 'created',
    revision: 1,
    ...overrides,
  };
}

/** A log entry for tests. */
export function makeLogEntry(type: string, at = 1_700_000_000_000, data: LogEntry['data'] = {}): LogEntry {
  return { type, reason: `${type} happened`, data, at };
}

/**
 * The Store contract. Every implementation (and the in-memory fake) runs it:
 * `describeStoreConformance('sqlite', async () => ({ store, open, cleanup }))`.
 */
export function describeStoreConformance(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    beforeEach(async () => {
      h = await setup();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('creates a rollout and reads it back as written', async () => {
      const state = makeRolloutState('r1', { appliedWeight: 5, reason: 'unicode ✓ "quoted"' });
      await store.create(state, [makeLogEntry('created')]);
      expect(await store.get('r1')).toEqual(state);
      expect(await store.get('nope')).toBeUndefined();
    });

    it('refuses to create an id twice and keeps the first', async () => {
      await store.create(makeRolloutState('r1'), [makeLogEntry('created')]);
      await expect(store.create(makeRolloutState('r1', { service: 'other' }), [])).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await store.get('r1'))?.service).toBe('web');
      expect(await store.events('r1')).toHaveLength(1);
    });

    it('saves only the next revision; a stale or skipped revision is a conflict that changes nothing', async () => {
      await store.create(makeRolloutState('r1'), [makeLogEntry('created')]);
      await store.save(makeRolloutState('r1', { revision: 2, phase: 'deploying' }), [makeLogEntry('deploying')]);
      const stale = makeRolloutState('r1', { revision: 2, phase: 'failed' });
      await expect(store.save(stale, [makeLogEntry('stale')])).rejects.toBeInstanceOf(ConflictError);
      const skipped = makeRolloutState('r1', { revision: 4, phase: 'failed' });
      await expect(store.save(skipped, [makeLogEntry('skipped')])).rejects.toBeInstanceOf(ConflictError);
      const got = await store.get('r1');
      expect(got?.revision).toBe(2);
      expect(got?.phase).toBe('deploying');
      expect((await store.events('r1')).map((e) => e.type)).toEqual(['created', 'deploying']);
    });

    it('refuses to save a rollout that was never created', async () => {
      await expect(store.save(makeRolloutState('ghost', { revision: 2 }), [])).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.events('ghost')).toEqual([]);
    });

    it('numbers events from 1 without gaps, oldest first, and filters by afterSeq', async () => {
      const entry: LogEntry = { type: 'step', from: 'pending', to: 'progressing', reason: 'r', data: { w: 10 }, at: 5 };
      await store.create(makeRolloutState('r1'), [makeLogEntry('a'), makeLogEntry('b')]);
      await store.save(makeRolloutState('r1', { revision: 2 }), [entry]);
      await store.save(makeRolloutState('r1', { revision: 3 }), []);
      await store.save(makeRolloutState('r1', { revision: 4 }), [makeLogEntry('d'), makeLogEntry('e')]);
      const all = await store.events('r1');
      expect(all.map((e) => [e.seq, e.type])).toEqual([
        [1, 'a'],
        [2, 'b'],
        [3, 'step'],
        [4, 'd'],
        [5, 'e'],
      ]);
      expect(all[2]).toEqual({ ...entry, rolloutId: 'r1', seq: 3 });
      expect((await store.events('r1', 3)).map((e) => e.seq)).toEqual([4, 5]);
      expect(await store.events('r1', 5)).toEqual([]);
      expect(await store.events('unknown')).toEqual([]);
    });

    it('lists newest first, by service and phase, with a limit', async () => {
      await store.create(makeRolloutState('a', { createdAt: 1000, phase: 'succeeded' }), []);
      await store.create(makeRolloutState('b', { createdAt: 3000, service: 'api', phase: 'progressing' }), []);
      await store.create(makeRolloutState('c', { createdAt: 2000, phase: 'progressing' }), []);
      const ids = (rs: RolloutState[]) => rs.map((r) => r.id);
      expect(ids(await store.list())).toEqual(['b', 'c', 'a']);
      expect(ids(await store.list({ service: 'web' }))).toEqual(['c', 'a']);
      expect(ids(await store.list({ phases: ['progressing', 'paused'] }))).toEqual(['b', 'c']);
      expect(ids(await store.list({ service: 'web', phases: ['progressing'] }))).toEqual(['c']);
      expect(ids(await store.list({ limit: 2 }))).toEqual(['b', 'c']);
      expect(await store.list({ phases: [] })).toEqual([]);
      expect(await store.list({ service: 'nobody' })).toEqual([]);
      // The phase filter follows saves, not the phase at creation.
      await store.save(makeRolloutState('c', { createdAt: 2000, phase: 'paused', revision: 2 }), []);
      expect(ids(await store.list({ phases: ['paused'] }))).toEqual(['c']);
    });

    it('keeps small values by key; undefined deletes', async () => {
      expect(await store.getValue('settings/x')).toBeUndefined();
      await store.setValue('settings/x', '1');
      await store.setValue('settings/x', '2');
      await store.setValue('other/y', '');
      expect(await store.getValue('settings/x')).toBe('2');
      expect(await store.getValue('other/y')).toBe('');
      await store.setValue('settings/x', undefined);
      await store.setValue('settings/never', undefined);
      expect(await store.getValue('settings/x')).toBeUndefined();
    });

    it('compares and sets: writes only over the expected value, undefined meaning absent', async () => {
      expect(await store.compareAndSet('cas/k', undefined, 'a')).toBe(true);
      expect(await store.compareAndSet('cas/k', undefined, 'b')).toBe(false);
      expect(await store.getValue('cas/k')).toBe('a');
      expect(await store.compareAndSet('cas/k', 'wrong', 'b')).toBe(false);
      expect(await store.compareAndSet('cas/k', 'a', 'b')).toBe(true);
      expect(await store.getValue('cas/k')).toBe('b');
      expect(await store.compareAndSet('cas/k', 'b', 'b')).toBe(true);
      // An empty string is a value, not absence.
      expect(await store.compareAndSet('cas/k', 'b', '')).toBe(true);
      expect(await store.compareAndSet('cas/k', undefined, 'c')).toBe(false);
      expect(await store.getValue('cas/k')).toBe('');
      expect(await store.compareAndSet('cas/k', 'x', undefined)).toBe(false);
      expect(await store.compareAndSet('cas/k', '', undefined)).toBe(true);
      expect(await store.getValue('cas/k')).toBeUndefined();
      // Absent stays absent: true, nothing written.
      expect(await store.compareAndSet('cas/none', undefined, undefined)).toBe(true);
      expect(await store.compareAndSet('cas/none', 'a', undefined)).toBe(false);
      expect(await store.getValue('cas/none')).toBeUndefined();
    });

    it('lets exactly one of concurrent compare-and-set contenders win, across handles', async () => {
      const other = await h.open();
      const create = await Promise.all([
        store.compareAndSet('cas/race', undefined, 'one'),
        other.compareAndSet('cas/race', undefined, 'two'),
      ]);
      expect(create.filter(Boolean)).toHaveLength(1);
      const first = (await store.getValue('cas/race'))!;
      expect(first).toBe(create[0] ? 'one' : 'two');
      const handles = [store, other, store, other, store, other];
      const update = await Promise.all(handles.map((s, i) => s.compareAndSet('cas/race', first, `next-${i}`)));
      expect(update.filter(Boolean)).toHaveLength(1);
      expect(await other.getValue('cas/race')).toBe(`next-${update.indexOf(true)}`);
    });

    it('keeps every increment of a counter updated by compare-and-set loops on two handles', async () => {
      const other = await h.open();
      const increment = async (s: Store) => {
        for (;;) {
          const raw = await s.getValue('cas/counter');
          const next = String(Number(raw ?? '0') + 1);
          if (await s.compareAndSet('cas/counter', raw, next)) return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? store : other)));
      expect(await store.getValue('cas/counter')).toBe('20');
    });

    it('shows committed writes to another handle on the same data', async () => {
      const other = await h.open();
      await store.create(makeRolloutState('r1'), [makeLogEntry('created')]);
      await store.setValue('k', 'v');
      expect((await other.get('r1'))?.id).toBe('r1');
      expect((await other.events('r1')).map((e) => e.seq)).toEqual([1]);
      expect(await other.getValue('k')).toBe('v');
      await other.save(makeRolloutState('r1', { revision: 2 }), [makeLogEntry('by-other')]);
      expect((await store.get('r1'))?.revision).toBe(2);
    });

    it('lets exactly one of two concurrent writers of the same revision win', async () => {
      const other = await h.open();
      await store.create(makeRolloutState('r1'), [makeLogEntry('created')]);
      const results = await Promise.allSettled([
        store.save(makeRolloutState('r1', { revision: 2, reason: 'first' }), [makeLogEntry('first')]),
        other.save(makeRolloutState('r1', { revision: 2, reason: 'second' }), [makeLogEntry('second')]),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
      const winner = (await store.get('r1'))!.reason;
      expect((await store.events('r1')).map((e) => e.type)).toEqual(['created', winner]);
    });

    it('keeps every event of many rollouts written in parallel', async () => {
      const ids = Array.from({ length: 8 }, (_, i) => `p${i}`);
      await Promise.all(
        ids.map(async (id, i) => {
          const handle = i % 2 === 0 ? store : await h.open();
          await handle.create(makeRolloutState(id), [makeLogEntry('created')]);
          for (let rev = 2; rev <= 6; rev++) {
            await handle.save(makeRolloutState(id, { revision: rev }), [makeLogEntry(`r${rev}`)]);
          }
        }),
      );
      for (const id of ids) {
        expect((await store.events(id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
        expect((await store.get(id))?.revision).toBe(6);
      }
    });
  });
}
