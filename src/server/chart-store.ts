import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { UNCHANGED, updateValue } from '../store/update-value.js';
import {
  chunkKey,
  deleteChart,
  headKey,
  parseHead,
  range,
  settings,
  type ChartOptions,
  type Head,
} from './chart-layout.js';
import { registerChart } from './chart-retention.js';
import type { MetricPoint } from './event-hub.js';

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
          const value = JSON.stringify(points);
          await this.store.setValue(chunkKey(rolloutId, s.chunk), value);
          if (!(await this.inWindow(rolloutId, s.chunk))) {
            // Another writer (the leader while this replica was not) moved the window past this chunk: the write
            // landed where no head names it, so nothing would ever delete it. Take it back and write the points
            // into a chunk claimed now. Checked after the write, so whichever comes first, the other writer's
            // deletion or this write, the key does not outlive the window.
            await this.store.setValue(chunkKey(rolloutId, s.chunk), undefined);
            s.chunk = await this.claim(rolloutId);
            await this.store.setValue(chunkKey(rolloutId, s.chunk), value);
          }
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

  private async inWindow(rolloutId: string, chunk: number): Promise<boolean> {
    const head = parseHead(await this.store.getValue(headKey(rolloutId)));
    return head !== undefined && chunk >= head.first && chunk <= head.last;
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
