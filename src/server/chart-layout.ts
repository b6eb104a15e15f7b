import type { Store } from '../ports/store.js';
import type { MetricPoint } from './event-hub.js';

/**
 * How the live chart's points lie in the shared store (written by chart-store.ts, read by chart-read.ts), so a
 * chart survives a restart and shows on every replica.
 *
 * Why chunks: a rollout gains a point every metrics interval and keeps the last 900. One value per rollout would be
 * rewritten whole (hundreds of points) for every new point; one value per point would cost a key per point and a
 * range of reads per chart. Chunks of 60 points under `chart:<id>:<n>` bound both: a write rewrites only the open
 * chunk (at most every `flushMs`, when it fills, and when the rollout ends), a chart is 16 reads, and the window
 * moves by deleting whole chunks. The small head `chart:<id>` (`{first, last, done?}`) names the chunks in the
 * window; a writer claims each new chunk number on it by compare-and-set, so a second writer (a replica that has
 * just lost the lead still flushing while the next leader starts) writes to chunks of its own and corrupts nothing.
 * Readers order points by time and drop duplicates, whichever chunk holds them.
 */

/** Sizes and periods of the stored charts; the defaults match the event hub's window. */
export interface ChartOptions {
  /** Points per chunk (default 60). */
  chunkSize?: number;
  /** Points kept per rollout: the event hub's window (default 900). */
  maxPoints?: number;
  /** Shortest time between two writes of a rollout's open chunk (default 3 s). */
  flushMs?: number;
  /** Rollouts whose charts are kept: starting a chart deletes the oldest beyond these (default 200). */
  keepCharts?: number;
}

export interface Head {
  first: number;
  last: number;
  /** The rollout ended and its last points are stored: followers stop reading. */
  done?: boolean;
}

/**
 * How many rollouts keep their stored chart (chart-retention.ts). Each chart is up to ~16 keys and ~130 KB, so
 * without a bound a server that runs thousands of rollouts would fill its store with charts nobody opens; 200 charts
 * are at most ~26 MB. The rollout and its event log are kept whatever happens: only the chart goes.
 */
export const CHARTS_KEPT = 200;

export const headKey = (rolloutId: string): string => `chart:${rolloutId}`;
export const chunkKey = (rolloutId: string, n: number): string => `chart:${rolloutId}:${n}`;

export function settings(opts: ChartOptions): Required<ChartOptions> & { keepChunks: number } {
  const all = { chunkSize: 60, maxPoints: 900, flushMs: 3_000, keepCharts: CHARTS_KEPT, ...opts };
  // The open chunk may hold a single point: the full window needs that many full chunks before it.
  return { ...all, keepChunks: Math.ceil(all.maxPoints / all.chunkSize) + 1 };
}

/** Deletes a rollout's stored chart: its chunks, then its head (a reader never sees a head without chunks). */
export async function deleteChart(store: Store, rolloutId: string): Promise<void> {
  const head = parseHead(await store.getValue(headKey(rolloutId)));
  // Bounded: a head naming millions of chunks is damaged, not a reason for millions of deletes.
  if (head && head.last - head.first < 10_000) {
    for (let n = head.first; n <= head.last; n++) await store.setValue(chunkKey(rolloutId, n), undefined);
  }
  await store.setValue(headKey(rolloutId), undefined);
}

export function parseHead(raw: string | undefined): Head | undefined {
  const h = raw === undefined ? undefined : (parseJson(raw) as Partial<Head> | null | undefined);
  if (typeof h !== 'object' || h === null) return undefined;
  const { first, last, done } = h;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return undefined;
  if (first === undefined || last === undefined || first < 0 || first > last + 1) return undefined;
  return { first, last, ...(done === true ? { done } : {}) };
}

export function isPoint(p: unknown): p is MetricPoint {
  const q = p as Partial<MetricPoint> | null;
  return (
    typeof q === 'object' &&
    q !== null &&
    typeof q.at === 'number' &&
    typeof q.weight === 'number' &&
    typeof q.canary?.rps === 'number' &&
    typeof q.stable?.rps === 'number'
  );
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
