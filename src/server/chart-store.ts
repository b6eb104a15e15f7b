import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { UNCHANGED, updateValue } from '../store/update-value.js';
import { CHARTS_KEPT, registerChart } from './chart-retention.js';
import type { MetricPoint } from './event-hub.js';

/**
 * The live chart's points in the shared store, so a chart survives a restart and shows on every replica.
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

interface Head {
  first: number;
  last: number;
  /** The rollout ended and its last points are stored: followers stop reading. */
  done?: boolean;
}

interface Series {
  /** Points of the chunk being filled, all of them written again on each write. */
  open: MetricPoint[];
  dirty: boolean;
  /** Number of the open chunk once claimed (read and set only by queued writes). */
  chunk?: number;
  lastWrite: number;
  timer?: NodeJS.Timeout;
  /** This rollout's writes, one after the other. */
  queue: Promise<void>;
}

const headKey = (rolloutId: string): string => `chart:${rolloutId}`;
const chunkKey = (rolloutId: string, n: number): string => `chart:${rolloutId}:${n}`;

function settings(opts: ChartOptions): Required<ChartOptions> & { keepChunks: number } {
  const all = { chunkSize: 60, maxPoints: 900, flushMs: 3_000, keepCharts: CHARTS_KEPT, ...opts };
  // The open chunk may hold a single point: the full window needs that many full chunks before it.
  return { ...all, keepChunks: Math.ceil(all.maxPoints / all.chunkSize) + 1 };
}

/**
 * Writes the chart points of the rollouts this process drives. Store failures are logged, never thrown: the chart
 * is a view, and must not break a rollout or the event hub.
 */
export class ChartWriter {
  private readonly series = new Map<string, Series>();
  private readonly opts: ReturnType<typeof settings>;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    opts: ChartOptions = {},
  ) {
    this.opts = settings(opts);
  }

  append(rolloutId: string, point: MetricPoint): void {
    if (this.closed) return;
    let s = this.series.get(rolloutId);
    if (!s) {
      s = { open: [], dirty: false, lastWrite: -Infinity, queue: Promise.resolve() };
      this.series.set(rolloutId, s);
    }
    s.open.push(point);
    s.dirty = true;
    if (s.open.length >= this.opts.chunkSize) {
      // A full chunk is written once more and then never again; the next point opens a new chunk.
      const full = s.open;
      s.open = [];
      this.write(rolloutId, s, full, true);
    } else if (!s.timer) {
      const series = s;
      const wait = s.lastWrite + this.opts.flushMs - Date.now();
      if (wait <= 0) this.flush(rolloutId, s);
      else s.timer = setTimeout(() => this.flush(rolloutId, series), wait).unref();
    }
  }

  /** The rollout ended: stores its last points at once and marks its chart complete. */
  async finish(rolloutId: string): Promise<void> {
    const s = this.series.get(rolloutId);
    if (!s) return;
    this.series.delete(rolloutId);
    this.flush(rolloutId, s);
    s.queue = s.queue.then(() => this.guard(rolloutId, () => this.markDone(rolloutId)));
    await s.queue;
  }

  /** Stores what is pending and stops writing. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [id, s] of this.series) this.flush(id, s);
    await Promise.all([...this.series.values()].map((s) => s.queue));
    this.series.clear();
  }

  private flush(rolloutId: string, s: Series): void {
    if (s.dirty) this.write(rolloutId, s, [...s.open], false);
  }

  private write(rolloutId: string, s: Series, points: MetricPoint[], full: boolean): void {
    clearTimeout(s.timer);
    delete s.timer;
    s.dirty = false;
    s.lastWrite = Date.now();
    s.queue = s.queue.then(() =>
      this.guard(rolloutId, async () => {
        try {
          s.chunk ??= await this.claim(rolloutId);
          await this.store.setValue(chunkKey(rolloutId, s.chunk), JSON.stringify(points));
        } finally {
          if (full) delete s.chunk;
        }
      }),
    );
  }

  /** Takes the next chunk number on the head and drops the chunks that fall out of the window. */
  private async claim(rolloutId: string): Promise<number> {
    let claimed = 0;
    let dropped: number[] = [];
    let started = false;
    await updateValue(
      this.store,
      headKey(rolloutId),
      (raw) => {
        started = raw === undefined;
        // A damaged head starts the chart again rather than stopping it.
        const head = parseHead(raw) ?? { first: 0, last: -1 };
        claimed = head.last + 1;
        const first = Math.max(head.first, claimed - this.opts.keepChunks + 1);
        dropped = range(head.first, first);
        return JSON.stringify({ first, last: claimed } satisfies Head);
      },
      `the chart head of rollout ${rolloutId}`,
    );
    for (const n of dropped) await this.store.setValue(chunkKey(rolloutId, n), undefined);
    if (started) {
      for (const old of await registerChart(this.store, rolloutId, this.opts.keepCharts)) {
        await deleteChart(this.store, old);
      }
    }
    return claimed;
  }

  private markDone(rolloutId: string): Promise<void> {
    return updateValue(
      this.store,
      headKey(rolloutId),
      (raw) => {
        const head = parseHead(raw);
        return !head || head.done ? UNCHANGED : JSON.stringify({ ...head, done: true } satisfies Head);
      },
      `the chart head of rollout ${rolloutId}`,
    );
  }

  private async guard(rolloutId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.log.warn({ rollout: rolloutId, err: errorMessage(err) }, 'could not store chart points');
    }
  }
}

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

/** Deletes a rollout's stored chart: its chunks, then its head (a reader never sees a head without chunks). */
export async function deleteChart(store: Store, rolloutId: string): Promise<void> {
  const head = parseHead(await store.getValue(headKey(rolloutId)));
  // Bounded: a head naming millions of chunks is damaged, not a reason for millions of deletes.
  if (head && head.last - head.first < 10_000) {
    for (let n = head.first; n <= head.last; n++) await store.setValue(chunkKey(rolloutId, n), undefined);
  }
  await store.setValue(headKey(rolloutId), undefined);
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

function parseHead(raw: string | undefined): Head | undefined {
  const h = raw === undefined ? undefined : (parseJson(raw) as Partial<Head> | null | undefined);
  if (typeof h !== 'object' || h === null) return undefined;
  const { first, last, done } = h;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return undefined;
  if (first === undefined || last === undefined || first < 0 || first > last + 1) return undefined;
  return { first, last, ...(done === true ? { done } : {}) };
}

function isPoint(p: unknown): p is MetricPoint {
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

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
