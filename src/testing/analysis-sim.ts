import type { AnalysisBatch, Verdict } from '../core/measurement.js';

/**
 * A seeded simulator of canary traffic, shared by the analysis unit tests and `bench/analysis`. Requests arrive as
 * a Poisson process; each interval `dt` the canary gets Poisson(R·w·dt) requests and the baseline Poisson(R·(1−w)·dt);
 * errors are Binomial(n, p·m(t)) where m(t) is a multiplier both versions share (incidents, daily cycles).
 */

/** mulberry32: small, fast, and good enough for simulation. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export function poisson(r: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(r)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = r();
  while (p > limit) {
    k++;
    p *= r();
  }
  return k;
}

export function binomial(r: () => number, n: number, p: number): number {
  if (n === 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n <= 40) {
    let x = 0;
    for (let i = 0; i < n; i++) if (r() < p) x++;
    return x;
  }
  if (n * p < 25) return Math.min(n, poisson(r, n * p));
  if (n * (1 - p) < 25) return n - Math.min(n, poisson(r, n * (1 - p)));
  const x = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * normal(r));
  return Math.min(n, Math.max(0, x));
}

export interface Scenario {
  /** Total requests per second (before any traffic cycle). */
  rps: number;
  /** Actual canary share of requests at time t (s). */
  share: (t: number) => number;
  /** Baseline and canary error rates. */
  p0: number;
  pc: number;
  /** Per run: multiplier shared by both versions' error rates at time t (incidents, cycles, bursts). */
  shared?: (r: () => number) => (t: number) => number;
  /** Multiplier on traffic at time t (daily cycle). */
  traffic?: (t: number) => number;
  /** Interval between batches (s) and how long to watch (s). */
  dt: number;
  horizon: number;
  /** Seconds between a decision and the canary stopping serving (scrape and actuation delay). */
  delay?: number;
  /**
   * Mean size of error clusters that hit ONE version (a retrying client, a bad pod): errors then come in groups,
   * which breaks the independence every count test assumes. Absent: independent errors.
   */
  cluster?: number;
}

/** What a judge sees each interval and says back ('promoted' ends the run); created fresh for every run. */
export interface Judge {
  step(batch: AnalysisBatch): Verdict | 'promoted';
}

export interface RunResult {
  rolledBack: boolean;
  /** When the rollback decision was made (s), or null. */
  decidedAt: number | null;
  /** Canary errors users saw until the canary stopped serving (decision + delay), or over the horizon. */
  failed: number;
  canaryRequests: number;
  /** First time the judge said "healthy", or null. */
  healthyAt: number | null;
  /** When the judge promoted the canary (ending the run), or null. */
  promotedAt: number | null;
}

function errors(r: () => number, n: number, p: number, cluster: number | undefined): number {
  if (!cluster || cluster <= 1) return binomial(r, n, p);
  // Geometric cluster sizes with the given mean, keeping the expected error count n·p.
  let x = 0;
  const clusters = binomial(r, n, p / cluster);
  for (let i = 0; i < clusters; i++) x += 1 + Math.floor(Math.log(1 - r()) / Math.log(1 - 1 / cluster));
  return Math.min(n, x);
}

export function simulate(s: Scenario, judge: Judge, seed: number): RunResult {
  const r = rng(seed);
  const shared = s.shared ? s.shared(r) : () => 1;
  let failed = 0;
  let canaryRequests = 0;
  let healthyAt: number | null = null;
  let decidedAt: number | null = null;
  let promotedAt: number | null = null;
  const steps = Math.round(s.horizon / s.dt);
  for (let i = 0; i < steps; i++) {
    const t = i * s.dt;
    if (decidedAt !== null && t >= decidedAt + (s.delay ?? 0)) break;
    const rate = s.rps * (s.traffic ? s.traffic(t) : 1) * s.dt;
    const w = s.share(t);
    const m = shared(t);
    const nc = poisson(r, rate * w);
    const nb = poisson(r, rate * (1 - w));
    const ec = errors(r, nc, Math.min(1, s.pc * m), s.cluster);
    const eb = errors(r, nb, Math.min(1, s.p0 * m), s.cluster);
    failed += ec;
    canaryRequests += nc;
    if (decidedAt !== null) continue;
    const v = judge.step({ t: t + s.dt, canary: { requests: nc, errors: ec }, baseline: { requests: nb, errors: eb } });
    if (v === 'healthy' && healthyAt === null) healthyAt = t + s.dt;
    if (v === 'promoted') {
      promotedAt = t + s.dt;
      break;
    }
    if (v === 'rollback') {
      decidedAt = t + s.dt;
      if (!s.delay) break;
    }
  }
  return { rolledBack: decidedAt !== null, decidedAt, failed, canaryRequests, healthyAt, promotedAt };
}

/** A shared incident: both versions' error rates × `factor` from `start` for `length` seconds. */
export function incident(start: number, length: number, factor: number): () => (t: number) => number {
  return () => (t) => (t >= start && t < start + length ? factor : 1);
}

/** A daily cycle compressed into `period` seconds: error multiplier between 0.2 and 3. */
export function cycle(period: number): () => (t: number) => number {
  return () => (t) => 1.6 + 1.4 * Math.sin((2 * Math.PI * t) / period);
}

/** Bursts shared by both versions: ×`factor` for 2–10 s, about `perHour` of them per hour, at random times. */
export function bursts(perHour: number, factor: number, horizon: number): (r: () => number) => (t: number) => number {
  return (r) => {
    const spans: Array<[number, number]> = [];
    for (let t = 0; t < horizon;) {
      t += (-Math.log(1 - r()) * 3600) / perHour;
      spans.push([t, t + 2 + 8 * r()]);
    }
    return (t) => (spans.some(([a, b]) => t >= a && t < b) ? factor : 1);
  };
}
