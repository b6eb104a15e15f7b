import type { LatencyHistogram, VersionCounts } from '../core/measurement.js';
import type { Role } from '../ports/platform.js';

/** Upper bounds (ms) of the latency histogram buckets; a last implicit bucket holds everything slower. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Index 0..4 = 1xx..5xx; 5 = the client went away before the response completed (not the version's fault). */
export const CODE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'aborted'] as const;
const ABORTED = 5;

/**
 * Cumulative counts of one version in one role since the proxy started. Keyed by (version, role) so every
 * Prometheus series is monotone even when a canary is promoted to stable; the JSON view sums the roles.
 * Plain fields and a preallocated array: `record` is on the request hot path.
 */
export class VersionCounter {
  requests = 0;
  errors = 0;
  readonly byClass: number[] = [0, 0, 0, 0, 0, 0];
  /** Non-cumulative bucket counts; the last slot is the +Inf bucket. */
  readonly buckets: number[] = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  latencySum = 0;

  constructor(
    readonly version: string,
    readonly role: Role,
  ) {}

  /** One finished request: its HTTP status (0 when the client aborted) and how long it took. */
  record(status: number, ms: number): void {
    this.requests++;
    if (status === 0) {
      this.byClass[ABORTED]!++;
    } else {
      const cls = Math.min(4, Math.max(0, Math.floor(status / 100) - 1));
      this.byClass[cls]!++;
      if (status >= 500) this.errors++;
    }
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    this.buckets[i]!++;
    this.latencySum += ms;
  }
}

/** Every counter of this proxy, created on first use and kept (a retired version's totals stay readable). */
export class CounterSet {
  private readonly counters = new Map<string, VersionCounter>();

  get(version: string, role: Role): VersionCounter {
    const key = `${role}\u0000${version}`;
    let c = this.counters.get(key);
    if (!c) {
      c = new VersionCounter(version, role);
      this.counters.set(key, c);
    }
    return c;
  }

  all(): VersionCounter[] {
    return [...this.counters.values()];
  }

  /** Per-version totals (roles summed), with the latency histogram in the shape analysis consumes. */
  byVersion(): Record<string, VersionCounts & { byClass: Record<string, number> }> {
    const out: Record<string, VersionCounts & { byClass: Record<string, number> }> = {};
    for (const c of this.counters.values()) {
      const v = (out[c.version] ??= { requests: 0, errors: 0, latency: emptyHistogram(), byClass: {} });
      v.requests += c.requests;
      v.errors += c.errors;
      addHistogram(v.latency!, c);
      CODE_CLASSES.forEach((name, i) => (v.byClass[name] = (v.byClass[name] ?? 0) + c.byClass[i]!));
    }
    return out;
  }
}

function emptyHistogram(): LatencyHistogram {
  return { le: [...LATENCY_BUCKETS_MS], counts: LATENCY_BUCKETS_MS.map(() => 0), count: 0, sum: 0 };
}

function addHistogram(h: LatencyHistogram, c: VersionCounter): void {
  let cumulative = 0;
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
    cumulative += c.buckets[i]!;
    h.counts[i]! += cumulative;
  }
  h.count += c.requests;
  h.sum += c.latencySum;
}
