import type { AnalysisBatch, CountsDelta, LatencyHistogram, Verdict } from '../../src/core/measurement.js';
import { binomial, poisson, rng } from '../../src/testing/analysis-sim.js';
import { normalCdf } from '../../src/analysis/mann-whitney.js';
import { LATENCY_BUCKETS_MS } from '../../src/proxy/counters.js';

/**
 * A seeded simulator of canary latency as metric providers report it: each batch carries, per version, the
 * request and error counts and a Prometheus-style histogram (finite cumulative buckets, `count` = every
 * observation), drawn bucket by bucket from a latency distribution given as a CDF. Histograms are sampled as a
 * multinomial over the buckets, never request by request, so an hour of 100 requests/s costs a few hundred draws.
 */

/** P(latency ≤ ms). */
export type Cdf = (ms: number) => number;

/** Lognormal latency with the given median (ms) and log-standard-deviation. */
export function lognormal(medianMs: number, sigma: number): Cdf {
  const mu = Math.log(medianMs);
  return (ms) => (ms <= 0 ? 0 : normalCdf((Math.log(ms) - mu) / sigma));
}

/** Pareto latency: minimum `minMs`, tail index `a` (smaller is heavier). */
export function pareto(minMs: number, a: number): Cdf {
  return (ms) => (ms <= minMs ? 0 : 1 - (minMs / ms) ** a);
}

/** Every latency × k (p50 and p99 alike). */
export const scaled =
  (f: Cdf, k: number): Cdf =>
  (ms) =>
    f(ms / k);

/** A share of requests `extraMs` slower; the rest unchanged. */
export const slowTail =
  (f: Cdf, share: number, extraMs: number): Cdf =>
  (ms) =>
    (1 - share) * f(ms) + share * f(ms - extraMs);

/** The body × k, the tail from `fromMs` up unchanged (requests between fromMs/k and fromMs wait until fromMs). */
export const bodyOnly =
  (f: Cdf, k: number, fromMs: number): Cdf =>
  (ms) =>
    ms < fromMs ? f(ms / k) : f(ms);

/** Every request takes exactly `ms`. */
export const constant =
  (at: number): Cdf =>
  (ms) =>
    ms >= at ? 1 : 0;

/** The latency at quantile q (bisection on the CDF). */
export function quantileOf(f: Cdf, q: number): number {
  let lo = 0;
  let hi = 1e7;
  for (let i = 0; i < 100; i++) {
    const m = (lo + hi) / 2;
    if (f(m) < q) lo = m;
    else hi = m;
  }
  return hi;
}

/** Bucket layouts (finite bounds in ms; the last, open bucket is implicit, as the built-in proxy reports). */
export const LAYOUTS = {
  /** The built-in proxy's: ten per decade, 1 ms to 10 s. */
  proxy: LATENCY_BUCKETS_MS,
  /** The built-in proxy's before it had ten per decade, and most exporters' spacing (1-2.5-5, 1 ms to 10 s). */
  proxyCoarse: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
  /** Prometheus client libraries' default (0.005–10 s). */
  prometheus: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
  /** Fine: exponential, factor 1.25 from 10 ms to ~10 s. */
  fine: Array.from({ length: 32 }, (_, i) => Math.round(10 * 1.25 ** i * 1000) / 1000),
  /** Coarse: three decades. */
  coarse: [100, 1000, 10000],
  /** Top bound below the baseline's p99: the p99 lies in the open bucket. */
  lowTop: [10, 25, 50, 100, 250],
} as const;

/** Probability of each finite bucket of `le` under `f` (the open last bucket gets the rest). */
export function bucketMasses(f: Cdf, le: readonly number[]): number[] {
  let prev = 0;
  return le.map((b) => {
    const x = f(b);
    const p = x - prev;
    prev = x;
    return Math.max(0, p);
  });
}

/**
 * Draws a histogram of `n` observations over the bounds `le` with bucket probabilities `masses` (a multinomial
 * by conditional binomials).
 */
export function sampleHistogram(
  r: () => number,
  masses: readonly number[],
  le: readonly number[],
  n: number,
): LatencyHistogram {
  const counts: number[] = new Array<number>(le.length);
  let left = n;
  let massLeft = 1;
  let cum = 0;
  let sum = 0;
  let prevLe = 0;
  for (let i = 0; i < le.length; i++) {
    const p = masses[i]!;
    let x = 0;
    if (left > 0 && p > 0) x = massLeft <= p ? left : binomial(r, left, p / massLeft);
    left -= x;
    massLeft -= p;
    cum += x;
    // The sum only feeds means; the bucket midpoint is as good as the histogram allows.
    sum += x * ((prevLe + le[i]!) / 2);
    prevLe = le[i]!;
    counts[i] = cum;
  }
  sum += left * prevLe * 1.5;
  return { le: le as number[], counts, count: n, sum };
}

export interface LatencyScenario {
  rps: number;
  share: (t: number) => number;
  /** Error rates (both versions share it unless `pc` is set). */
  p0: number;
  pc?: number;
  baseline: Cdf;
  canary: Cdf;
  /** Seconds between a canary request's arrival and its observation (a hang is seen only at its timeout). */
  canaryObserveDelay?: number;
  layout: readonly number[];
  /** Latency multiplier shared by both versions at time t (incidents, daily cycles). */
  sharedLatency?: (t: number) => number;
  traffic?: (t: number) => number;
  dt: number;
  horizon: number;
  /** Also draw the equal-size control (only Kayenta uses it; it costs a third of the sampling). */
  control?: boolean;
}

/** A batch plus a control: baseline traffic the size of the canary's, for judges that want equal samples. */
export interface LatencyBatch extends AnalysisBatch {
  control: CountsDelta;
}

export interface LatencyJudge {
  step(batch: LatencyBatch): Verdict | 'promoted';
  /** Why it rolled back ('latency', 'errors', …), when it can tell. */
  cause?(): string;
  /** Whether the latency part alone is shown healthy now. */
  latencyHealthy?(): boolean;
  /** When it would have promoted, for judges told not to stop there. */
  promotedAt?(): number | null;
  /** Judges that read the stable version's history get it here before the first batch. */
  prime?(history: LatencyHistogram): void;
}

/** The stable version's traffic before the rollout that a priming judge is shown (seconds at the scenario's rate). */
export const HISTORY_SECONDS = 600;

export interface LatencyRun {
  rolledBack: boolean;
  cause: string | null;
  decidedAt: number | null;
  promotedAt: number | null;
  healthyAt: number | null;
  latencyHealthyAt: number | null;
  canaryRequests: number;
  /** Expected canary requests slower than the baseline's p99 (at the same moment) among those served. */
  slowServed: number;
}

export function simulateLatency(s: LatencyScenario, judge: LatencyJudge, seed: number): LatencyRun {
  const r = rng(seed);
  const base99 = quantileOf(s.baseline, 0.99);
  const pc = s.pc ?? s.p0;
  const delay = s.canaryObserveDelay ?? 0;
  const pending: Array<{ at: number; h: LatencyHistogram; errors: number }> = [];
  const out: LatencyRun = {
    rolledBack: false,
    cause: null,
    decidedAt: null,
    promotedAt: null,
    healthyAt: null,
    latencyHealthyAt: null,
    canaryRequests: 0,
    slowServed: 0,
  };
  if (judge.prime) {
    // Drawn first, from this run's generator: judges without `prime` see exactly the draws they always saw.
    const n = Math.round(s.rps * (1 - s.share(0)) * HISTORY_SECONDS);
    judge.prime(sampleHistogram(r, bucketMasses(s.baseline, s.layout), s.layout, n));
  }
  let lastM = NaN;
  let mb: number[] = [];
  let mc: number[] = [];
  let slowC = 0;
  const steps = Math.round(s.horizon / s.dt);
  for (let i = 0; i < steps; i++) {
    const t = i * s.dt;
    const rate = s.rps * (s.traffic ? s.traffic(t) : 1) * s.dt;
    const w = s.share(t);
    const m = s.sharedLatency ? s.sharedLatency(t) : 1;
    if (m !== lastM) {
      // Bucket probabilities change only with the shared multiplier: recompute them only then.
      lastM = m;
      mb = bucketMasses(m === 1 ? s.baseline : scaled(s.baseline, m), s.layout);
      mc = bucketMasses(m === 1 ? s.canary : scaled(s.canary, m), s.layout);
      slowC = 1 - (m === 1 ? s.canary : scaled(s.canary, m))(base99 * m);
    }
    const nc = poisson(r, rate * w);
    const nb = poisson(r, rate * (1 - w));
    const nk = s.control ? poisson(r, rate * w) : 0;
    out.canaryRequests += nc;
    out.slowServed += nc * slowC;
    const hc = sampleHistogram(r, mc, s.layout, nc);
    const ec = binomial(r, nc, pc);
    let c: CountsDelta = { requests: nc, errors: ec, latency: hc };
    if (delay > 0) {
      // Canary requests are observed when they complete: `delay` seconds later, merged into that batch.
      pending.push({ at: t + delay, h: hc, errors: ec });
      const le = s.layout as number[];
      c = { requests: 0, errors: 0, latency: { le, counts: le.map(() => 0), count: 0, sum: 0 } };
      while (pending.length > 0 && pending[0]!.at <= t + 1e-9) {
        const p = pending.shift()!;
        c = merge(c, p.h, p.errors);
      }
    }
    const b: CountsDelta = {
      requests: nb,
      errors: binomial(r, nb, s.p0),
      latency: sampleHistogram(r, mb, s.layout, nb),
    };
    const k: CountsDelta = {
      requests: nk,
      errors: binomial(r, nk, s.p0),
      latency: sampleHistogram(r, mb, s.layout, nk),
    };
    const v = judge.step({ t: t + s.dt, canary: c, baseline: b, control: k });
    if (out.healthyAt === null && v === 'healthy') out.healthyAt = t + s.dt;
    if (out.latencyHealthyAt === null && judge.latencyHealthy?.()) out.latencyHealthyAt = t + s.dt;
    if (v === 'promoted') {
      out.promotedAt = t + s.dt;
      break;
    }
    if (v === 'rollback') {
      out.rolledBack = true;
      out.decidedAt = t + s.dt;
      out.cause = judge.cause?.() ?? null;
      break;
    }
  }
  out.promotedAt ??= judge.promotedAt?.() ?? null;
  return out;
}

function merge(acc: CountsDelta, h: LatencyHistogram, errors: number): CountsDelta {
  const a = acc.latency!;
  return {
    requests: acc.requests + h.count,
    errors: acc.errors + errors,
    latency: {
      le: a.le,
      counts: a.counts.map((x, i) => x + h.counts[i]!),
      count: a.count + h.count,
      sum: a.sum + h.sum,
    },
  };
}

/** Shared latency incident: both versions × `factor` from `start` for `length` seconds. */
export const latencyIncident =
  (start: number, length: number, factor: number) =>
  (t: number): number =>
    t >= start && t < start + length ? factor : 1;

/** A daily cycle compressed into `period` seconds: latency × 0.6–1.8 for both versions. */
export const latencyCycle =
  (period: number) =>
  (t: number): number =>
    1.2 + 0.6 * Math.sin((2 * Math.PI * t) / period);
