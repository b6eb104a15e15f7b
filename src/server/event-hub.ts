import { randomBytes } from 'node:crypto';
import type { Controller } from '../controller/controller.js';
import type { LogEntry, RolloutState } from '../core/rollout.js';
import { RateTracker, type LiveRates } from '../cli/progress.js';
import { rolloutView, type RolloutView } from './views.js';

/** One point of a rollout's live chart: the weight and both versions' rates over the last metrics interval. */
export interface MetricPoint extends LiveRates {
  at: number;
  weight: number;
}

export type HubEvent =
  | { id: string; type: 'state'; rolloutId: string; service: string; data: RolloutView }
  | { id: string; type: 'log'; rolloutId: string; service: string; data: LogEntry }
  | { id: string; type: 'metrics'; rolloutId: string; service: string; data: MetricPoint };

export interface HubFilter {
  service?: string;
  rolloutId?: string;
  /** Only these event types (a services overview needs `state` only, not every metrics point). */
  types?: Array<HubEvent['type']>;
}

export interface HubOptions {
  /** Events kept for `Last-Event-ID` resume. */
  replay?: number;
  /** Chart points kept per rollout, and how many rollouts' charts are kept. */
  pointsPerRollout?: number;
  rolloutsKept?: number;
  /**
   * Called with each point this process derives from its own controller's measurements (it drives the rollout),
   * not with points published from elsewhere: the server stores these (src/server/chart-layout.ts).
   */
  onPoint?: (state: RolloutState, point: MetricPoint) => void;
}

/**
 * Fans the controller's events out to stream subscribers. Every event gets an id `<boot>.<seq>`; the last few
 * thousand are kept so a client that reconnects with `Last-Event-ID` misses nothing. An id from another boot (the
 * server restarted) or one that fell out of the buffer cannot be replayed: the client is told to reload instead.
 */
export class EventHub {
  readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly buffer: HubEvent[] = [];
  private readonly listeners = new Set<{ filter: HubFilter; fn: (e: HubEvent) => void }>();
  private readonly rates = new RateTracker();
  private readonly series = new Map<string, MetricPoint[]>();
  private readonly opts: Required<Omit<HubOptions, 'onPoint'>> & Pick<HubOptions, 'onPoint'>;
  private readonly detach: () => void;

  constructor(controller: Controller, opts: HubOptions = {}) {
    this.opts = { replay: 5000, pointsPerRollout: 900, rolloutsKept: 50, ...opts };
    const onState = (s: RolloutState): void => {
      this.publish({ type: 'state', rolloutId: s.id, service: s.service, data: rolloutView(s) });
    };
    const onLog = (s: RolloutState, e: LogEntry): void =>
      this.publish({ type: 'log', rolloutId: s.id, service: s.service, data: e });
    const onMeasurement = (s: RolloutState, m: Parameters<RateTracker['update']>[1]): void => {
      const rates = this.rates.update(s.id, m);
      if (!rates) return;
      const point: MetricPoint = { at: m.at, weight: s.appliedWeight ?? s.weight, ...rates };
      this.publishPoint(s, point);
      this.opts.onPoint?.(s, point);
    };
    controller.on('state', onState);
    controller.on('log', onLog);
    controller.on('measurement', onMeasurement);
    this.detach = () => {
      controller.off('state', onState);
      controller.off('log', onLog);
      controller.off('measurement', onMeasurement);
    };
  }

  /** Calls `fn` for every future event matching the filter. Returns the unsubscribe function. */
  subscribe(filter: HubFilter, fn: (e: HubEvent) => void): () => void {
    const entry = { filter, fn };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Events after `lastEventId` matching the filter, or `undefined` when that id cannot be resumed from. */
  since(lastEventId: string, filter: HubFilter): HubEvent[] | undefined {
    const [boot, seqText] = lastEventId.split('.');
    const seq = Number(seqText);
    if (boot !== this.boot || !Number.isInteger(seq) || seq > this.seq) return undefined;
    const oldest = this.buffer[0] ? seqOf(this.buffer[0]) : this.seq + 1;
    if (seq < oldest - 1) return undefined;
    return this.buffer.filter((e) => seqOf(e) > seq && matches(filter, e));
  }

  /** The id a new subscriber starts after (so its first resume point is well defined). */
  get lastId(): string {
    return `${this.boot}.${this.seq}`;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /**
   * The chart points kept in memory for a rollout: those seen since this server started (the stored chart has the
   * rest, see src/server/chart-layout.ts).
   */
  points(rolloutId: string): MetricPoint[] {
    return this.series.get(rolloutId) ?? [];
  }

  /** How many chart points are kept per rollout. */
  get pointsPerRollout(): number {
    return this.opts.pointsPerRollout;
  }

  /**
   * Keeps and publishes a chart point as it is: one derived here, or one the leader derived and stored, which a
   * follower reads back (src/server/follower-feed.ts).
   */
  publishPoint(rollout: Pick<RolloutState, 'id' | 'service'>, point: MetricPoint): void {
    this.remember(rollout.id, point);
    this.publish({ type: 'metrics', rolloutId: rollout.id, service: rollout.service, data: point });
  }

  close(): void {
    this.detach();
    this.listeners.clear();
  }

  private publish(e: Omit<HubEvent, 'id'>): void {
    const event = { ...e, id: `${this.boot}.${++this.seq}` } as HubEvent;
    this.buffer.push(event);
    if (this.buffer.length > this.opts.replay) this.buffer.splice(0, this.buffer.length - this.opts.replay);
    for (const l of this.listeners) {
      if (!matches(l.filter, event)) continue;
      try {
        l.fn(event);
      } catch {
        // One broken subscriber must not stop the others (it is removed by its own close handler).
      }
    }
  }

  private remember(rolloutId: string, point: MetricPoint): void {
    let list = this.series.get(rolloutId);
    if (!list) {
      list = [];
      this.series.set(rolloutId, list);
      if (this.series.size > this.opts.rolloutsKept) this.series.delete(this.series.keys().next().value!);
    }
    list.push(point);
    if (list.length > this.opts.pointsPerRollout) list.splice(0, list.length - this.opts.pointsPerRollout);
  }
}

function seqOf(e: HubEvent): number {
  return Number(e.id.slice(e.id.indexOf('.') + 1));
}

function matches(f: HubFilter, e: HubEvent): boolean {
  return (
    (!f.service || f.service === e.service) &&
    (!f.rolloutId || f.rolloutId === e.rolloutId) &&
    (!f.types || f.types.includes(e.type))
  );
}
