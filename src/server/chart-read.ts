import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import {
  chunkKey,
  headKey,
  isPoint,
  parseHead,
  parseJson,
  range,
  settings,
  type ChartOptions,
  type Head,
} from './chart-layout.js';
import type { MetricPoint } from './event-hub.js';

/** The stored chart of a rollout, oldest first (empty when none is stored). Damaged chunks are skipped, logged. */
export async function readChart(
  store: Store,
  rolloutId: string,
  log: Logger,
  opts: ChartOptions = {},
): Promise<MetricPoint[]> {
  return (await readChartTail(store, rolloutId, log, undefined, opts)).points.slice(-settings(opts).maxPoints);
}

/** Where a reader of a growing chart is: the chunk and the time of the last point it has. */
export interface ChartCursor {
  chunk: number;
  at: number;
}

/**
 * The points stored after `cursor` (all of them without one), oldest first, and the cursor to read on from. A
 * follower calls it every poll: two reads (the head and the open chunk) while nothing else changed.
 */
export async function readChartTail(
  store: Store,
  rolloutId: string,
  log: Logger,
  cursor?: ChartCursor,
  opts: ChartOptions = {},
): Promise<{ points: MetricPoint[]; cursor: ChartCursor; done: boolean }> {
  const after = cursor ?? { chunk: -1, at: -Infinity };
  const head = await readHead(store, rolloutId, log);
  if (!head) return { points: [], cursor: after, done: false };
  // Never more than the window, whatever the head says.
  const from = Math.max(head.first, after.chunk, head.last - settings(opts).keepChunks + 1);
  const chunks = await Promise.all(range(from, head.last + 1).map((n) => readChunk(store, rolloutId, n, log)));
  const points = mergePoints(chunks.flat()).filter((p) => p.at > after.at);
  return { points, cursor: { chunk: head.last, at: points.at(-1)?.at ?? after.at }, done: head.done === true };
}

/** Points of several sources in time order, one per time (the first source wins). */
export function mergePoints(...lists: MetricPoint[][]): MetricPoint[] {
  const byAt = new Map<number, MetricPoint>();
  for (const list of lists) for (const p of list) if (!byAt.has(p.at)) byAt.set(p.at, p);
  return [...byAt.values()].sort((a, b) => a.at - b.at);
}

async function readChunk(store: Store, rolloutId: string, n: number, log: Logger): Promise<MetricPoint[]> {
  const raw = await store.getValue(chunkKey(rolloutId, n));
  // Absent: dropped from the window after the head was read.
  if (raw === undefined) return [];
  const points = parseJson(raw);
  if (Array.isArray(points) && points.every(isPoint)) return points;
  log.warn({ rollout: rolloutId, key: chunkKey(rolloutId, n) }, 'stored chart chunk is damaged; skipped');
  return [];
}

async function readHead(store: Store, rolloutId: string, log: Logger): Promise<Head | undefined> {
  const raw = await store.getValue(headKey(rolloutId));
  const head = parseHead(raw);
  if (raw !== undefined && !head) log.warn({ rollout: rolloutId }, 'stored chart head is damaged; chart skipped');
  return head;
}
