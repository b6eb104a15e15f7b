import type { LatencyHistogram, VersionCounts } from '../core/measurement.js';
import type { Role } from '../ports/platform.js';

/** Steps of one decade of {@link LATENCY_BUCKETS_MS}: neighbours at most 4/3 apart. */
const DECADE = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8];

/**
 * Upper bounds (ms) of the latency histogram buckets, 1 ms to 10 s; a last implicit bucket holds everything
 * slower. Ten per decade, not the usual 1-2.5-5 (2–2.5× apart), because the latency tests read shares past bucket
 * bounds: the median test compares the canary past the first bound ≥ (1 + latencyTolerance) × the baseline's
 * median bound, so bounds 2.5× apart hid any body less than about 2.5 times slower, and the tail test's threshold
 * (the bound holding the baseline's p99) sat up to 2.5× above the real p99. 41 bounds cost 28 more Prometheus
 * series per version and role, and a binary search per request (no CPU cost measurable: docs/performance.md).
 * Every bound of the earlier 1-2.5-5 layout is still one, so a threshold fixed before an upgrade stays a bound.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  ...[1, 10, 100, 1000].flatMap((decade) => DECADE.map((step) => Math.round(step * decade * 100) / 100)),
  10_000,
];

/** Index of the bucket holding `ms`: the first bound ≥ ms, or the open last bucket. */
export function bucketIndex(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BUCKETS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms > LATENCY_BUCKETS_MS[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

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
    this.buckets[bucketIndex(ms)]!++;
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
