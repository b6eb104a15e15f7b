import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { openStore } from '../store/index.js';
import { readChart, readChartTail } from './chart-read.js';
import { ChartWriter } from './chart-store.js';
import type { MetricPoint } from './event-hub.js';

/** A chart point whose numbers depend on `at`, so a point out of place or lost shows in a comparison. */
function chartPoint(at: number, weight = 10): MetricPoint {
  return {
    at,
    weight,
    canary: { rps: (at % 7) + 1, errorRate: (at % 3) / 100, p99: 100 + at },
    stable: { rps: 90 - (at % 5), errorRate: 0 },
  };
}

/** A logger whose warnings the test can read. */
function capturingLogger() {
  const lines: Array<{ msg: string; key?: string }> = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as never) });
  return { log, lines };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('chart store: chunks of points in the key/value area', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chimera-chart-'));
    store = await openStore(dir, silentLogger);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Counts the writes of chart chunks (not of the head). */
  function countingChunkWrites(): { store: Store; writes: string[] } {
    const writes: string[] = [];
    const counted = Object.create(store) as Store;
    counted.setValue = (key, value) => {
      if (/^chart:.+:\d+$/.test(key) && value !== undefined) writes.push(key);
      return store.setValue(key, value);
    };
    return { store: counted, writes };
  }

  it('given points appended faster than the write period, then the open chunk is written once, then once more', async () => {
    const { store: counted, writes } = countingChunkWrites();
    const writer = new ChartWriter(counted, silentLogger, { flushMs: 3_600_000 });
    for (const at of range(1, 5)) writer.append('r1', chartPoint(at));
    await writer.close();
    // The first point at once; the four after it wait for the period (here: the close).
    expect(writes).toEqual(['chart:r1:0', 'chart:r1:0']);
    expect(await readChart(store, 'r1', silentLogger)).toEqual(range(1, 5).map((at) => chartPoint(at)));
  });

  it('given more points than the window, then only the last ones are kept and older chunks are deleted', async () => {
    const writer = new ChartWriter(store, silentLogger, { chunkSize: 3, maxPoints: 6, flushMs: 3_600_000 });
    for (const at of range(1, 20)) writer.append('r1', chartPoint(at, at < 10 ? 10 : 50));
    await writer.close();
    const opts = { chunkSize: 3, maxPoints: 6 };
    expect(await readChart(store, 'r1', silentLogger, opts)).toEqual(
      range(15, 20).map((at) => chartPoint(at, at < 10 ? 10 : 50)),
    );
    // Chunks 0–5 were filled (points 1–18), 6 is open (19, 20); the window is three chunks.
    expect(JSON.parse((await store.getValue('chart:r1'))!)).toEqual({ first: 4, last: 6 });
    for (const n of range(0, 3)) expect(await store.getValue(`chart:r1:${n}`)).toBeUndefined();
    expect(JSON.parse((await store.getValue('chart:r1:4'))!)).toEqual(range(13, 15).map((at) => chartPoint(at, 50)));
    expect(JSON.parse((await store.getValue('chart:r1:6'))!)).toEqual([chartPoint(19, 50), chartPoint(20, 50)]);
  });

  it('given a damaged chunk or head, then it is skipped and logged, and the rest is read', async () => {
    const writer = new ChartWriter(store, silentLogger, { chunkSize: 3, flushMs: 0 });
    for (const at of range(1, 8)) writer.append('r1', chartPoint(at));
    writer.append('r2', chartPoint(1));
    await writer.close();
    await store.setValue('chart:r1:1', '[{"at": 4, "weight"');
    const { log, lines } = capturingLogger();
    expect(await readChart(store, 'r1', log)).toEqual([1, 2, 3, 7, 8].map((at) => chartPoint(at)));
    await store.setValue('chart:r1:0', '[{"at": 1}]');
    expect(await readChart(store, 'r1', log)).toEqual([7, 8].map((at) => chartPoint(at)));
    await store.setValue('chart:r2', '{"first": "x"}');
    expect(await readChart(store, 'r2', log)).toEqual([]);
    // One damaged chunk on the first read, two on the second, then the head.
    expect(lines.map((l) => l.key ?? l.msg)).toEqual([
      'chart:r1:1',
      'chart:r1:0',
      'chart:r1:1',
      'stored chart head is damaged; chart skipped',
    ]);
  });

  it('given a second writer on the same rollout (another handle on the store), then each writes its own chunks and no point is lost', async () => {
    const other = await openStore(dir, silentLogger);
    try {
      const a = new ChartWriter(store, silentLogger, { chunkSize: 3, flushMs: 0 });
      const b = new ChartWriter(other, silentLogger, { chunkSize: 3, flushMs: 0 });
      for (const at of range(1, 30)) (at % 2 ? a : b).append('r1', chartPoint(at));
      await Promise.all([a.close(), b.close()]);
      expect(await readChart(store, 'r1', silentLogger)).toEqual(range(1, 30).map((at) => chartPoint(at)));
      const head = JSON.parse((await store.getValue('chart:r1'))!) as { first: number; last: number };
      // 15 points each: five full chunks per writer, every number claimed once.
      expect(head).toEqual({ first: 0, last: 9 });
    } finally {
      await other.close();
    }
  });

  it('given a writer whose open chunk another writer pushed out of the window, then its next write lands inside it and leaves no stray key', async () => {
    const other = await openStore(dir, silentLogger);
    try {
      const opts = { chunkSize: 3, maxPoints: 6, flushMs: 0 };
      const a = new ChartWriter(store, silentLogger, opts);
      a.append('r1', chartPoint(1)); // claims chunk 0 and keeps it open
      await new Promise((r) => setTimeout(r, 50));
      // The next leader drives the rollout for a while: chunks 1–6, so the window is 4–6 and chunk 0 is gone.
      const b = new ChartWriter(other, silentLogger, opts);
      for (const at of range(2, 19)) b.append('r1', chartPoint(at));
      await b.close();
      expect(JSON.parse((await store.getValue('chart:r1'))!)).toEqual({ first: 4, last: 6 });
      expect(await store.getValue('chart:r1:0')).toBeUndefined();
      // This replica leads again and stores its open chunk (its one old point and a new one).
      a.append('r1', chartPoint(20));
      await a.close();
      expect(await store.getValue('chart:r1:0')).toBeUndefined();
      const head = JSON.parse((await store.getValue('chart:r1'))!) as { first: number; last: number };
      expect(head).toEqual({ first: 5, last: 7 });
      expect(JSON.parse((await store.getValue('chart:r1:7'))!)).toEqual([chartPoint(1), chartPoint(20)]);
      // Readers order by time and keep the window's last points: the stale point 1 is older than all of them.
      expect(await readChart(store, 'r1', silentLogger, opts)).toEqual(range(15, 20).map((at) => chartPoint(at)));
    } finally {
      await other.close();
    }
  });

  it('given more rollouts than the charts kept, then starting a chart deletes the oldest ones, keys and all', async () => {
    const writer = new ChartWriter(store, silentLogger, { chunkSize: 2, keepCharts: 2 });
    for (const id of ['r1', 'r2', 'r3']) {
      for (const at of range(1, 5)) writer.append(id, chartPoint(at));
      await writer.finish(id);
    }
    expect(await readChart(store, 'r1', silentLogger)).toEqual([]);
    for (const n of [0, 1, 2]) expect(await store.getValue(`chart:r1:${n}`)).toBeUndefined();
    expect(await store.getValue('chart:r1')).toBeUndefined();
    for (const id of ['r2', 'r3']) {
      expect(await readChart(store, id, silentLogger)).toEqual(range(1, 5).map((at) => chartPoint(at)));
    }
    expect(JSON.parse((await store.getValue('charts:index'))!)).toEqual(['r2', 'r3']);
  });

  it('given a store that fails, then the writer logs a warning and never throws', async () => {
    const failing = Object.create(store) as Store;
    failing.setValue = () => Promise.reject(new Error('disk full'));
    failing.compareAndSet = () => Promise.reject(new Error('disk full'));
    const { log, lines } = capturingLogger();
    const writer = new ChartWriter(failing, log, { flushMs: 0 });
    writer.append('r1', chartPoint(1));
    await writer.finish('r1');
    await writer.close();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.msg === 'could not store chart points')).toBe(true);
    expect(await readChart(store, 'r1', silentLogger)).toEqual([]);
  });

  it('reads on from a cursor, and says when the rollout ended and its chart is complete', async () => {
    const writer = new ChartWriter(store, silentLogger, { chunkSize: 3, flushMs: 0 });
    for (const at of range(1, 4)) writer.append('r1', chartPoint(at));
    await writer.close();
    const first = await readChartTail(store, 'r1', silentLogger);
    expect(first.points).toEqual(range(1, 4).map((at) => chartPoint(at)));
    expect(first.done).toBe(false);

    const again = new ChartWriter(store, silentLogger, { chunkSize: 3, flushMs: 0 });
    for (const at of range(5, 8)) again.append('r1', chartPoint(at, 50));
    await again.finish('r1');
    const next = await readChartTail(store, 'r1', silentLogger, first.cursor);
    expect(next.points).toEqual(range(5, 8).map((at) => chartPoint(at, 50)));
    expect(next.done).toBe(true);
    expect((await readChartTail(store, 'r1', silentLogger, next.cursor)).points).toEqual([]);
  });
});
