import {
  LAYOUTS,
  bodyOnly,
  constant,
  latencyCycle,
  latencyIncident,
  lognormal,
  pareto,
  quantileOf,
  scaled,
  slowTail,
  type Cdf,
  type LatencyScenario,
} from './latency-sim.js';

/**
 * Error rate of both versions: none, so that every rollback here is the latency test's (the error test's own
 * false rollbacks are measured by bench/analysis/run.ts; alpha is split between the two).
 */
export const P0 = 0;
export const ALPHA = 0.01;
/** The default service: lognormal latency, median 100 ms, p99 ≈ 320 ms. */
export const BASE = lognormal(100, 0.5);
/** A request that hangs is cut at this timeout (the proxy's top finite bucket). */
export const TIMEOUT_MS = 10_000;

/** A scenario without its batch interval (each contender picks its own). */
export type LatencySetting = Omit<LatencyScenario, 'dt'>;

export interface Regression {
  name: string;
  /** Latency factor for the chart's x axis (null: not a uniform slowdown). */
  factor: number | null;
  canary: Cdf;
  canaryObserveDelay?: number;
  /** Bucket bounds (default: the built-in proxy's). */
  layout?: readonly number[];
  /** Known blind spot of the method, run to show it. */
  extra?: boolean;
}

export const REGRESSIONS: Regression[] = [
  { name: 'p50/p99 × 1.2', factor: 1.2, canary: scaled(BASE, 1.2) },
  { name: 'p50/p99 × 1.5', factor: 1.5, canary: scaled(BASE, 1.5) },
  { name: 'p50/p99 × 2', factor: 2, canary: scaled(BASE, 2) },
  { name: 'p50/p99 × 5', factor: 5, canary: scaled(BASE, 5) },
  { name: 'slow tail: 5 % of requests +1 s', factor: null, canary: slowTail(BASE, 0.05, 1000) },
  {
    name: `total hang (every request at the ${TIMEOUT_MS / 1000} s timeout)`,
    factor: null,
    canary: constant(TIMEOUT_MS),
    canaryObserveDelay: TIMEOUT_MS / 1000,
  },
  {
    name: 'extra: body × 2, tail unchanged (p50 × 2, p99 same)',
    factor: null,
    canary: bodyOnly(BASE, 2, quantileOf(BASE, 0.95)),
    extra: true,
  },
  {
    name: 'extra: p50/p99 × 2 with coarse buckets (100 ms, 1 s, 10 s)',
    factor: null,
    canary: scaled(BASE, 2),
    layout: LAYOUTS.coarse,
    extra: true,
  },
  // Last, so the rows above keep their seeds.
  {
    name: 'extra: body × 2, tail unchanged, fine buckets (× 1.25)',
    factor: null,
    canary: bodyOnly(BASE, 2, quantileOf(BASE, 0.95)),
    layout: LAYOUTS.fine,
    extra: true,
  },
  {
    name: 'extra: body × 2, tail unchanged, 1-2.5-5 buckets (most exporters)',
    factor: null,
    canary: bodyOnly(BASE, 2, quantileOf(BASE, 0.95)),
    layout: LAYOUTS.proxyCoarse,
    extra: true,
  },
];

export function badSetting(g: Regression, rps = 100, w = 0.1): LatencySetting {
  return {
    rps,
    share: () => w,
    p0: P0,
    baseline: BASE,
    canary: g.canary,
    canaryObserveDelay: g.canaryObserveDelay,
    layout: g.layout ?? LAYOUTS.proxy,
    horizon: 3 * 3600,
  };
}

export interface HealthyLatencyCase {
  name: string;
  setting: LatencySetting;
  required: boolean;
  /** Batch interval for ours (default 5 s, the engine's). */
  dt?: number;
  /** Runs of ours at scale 1 (default 1 000 for required cases, 300 for extras). */
  runs?: number;
  /** Ours keeps watching after its would-be promotion, for the whole horizon. */
  watch?: boolean;
  /** Flagger's fixed limit, as a user would set it: the first round number (1-2.5-5) ≥ 1.5 × the true p99. */
  flaggerMaxMs: number;
}

const hour = 3600;

function healthy(f: Cdf, over: Partial<LatencySetting> = {}): LatencySetting {
  return { rps: 100, share: () => 0.1, p0: P0, baseline: f, canary: f, layout: LAYOUTS.proxy, horizon: hour, ...over };
}

function flaggerLimit(f: Cdf): number {
  const want = 1.5 * quantileOf(f, 0.99);
  return LAYOUTS.proxyCoarse.find((b) => b >= want) ?? LAYOUTS.proxyCoarse[LAYOUTS.proxyCoarse.length - 1]!;
}

const steady = healthy(BASE);
const heavyLog = lognormal(100, 1.2);
const heavyPareto = pareto(40, 1.5);

export const HEALTHY: HealthyLatencyCase[] = [
  { name: 'steady', setting: steady, required: true, flaggerMaxMs: 500 },
  {
    name: 'shared latency incident (both × 3 for 5 min)',
    setting: { ...steady, sharedLatency: latencyIncident(120, 300, 3) },
    required: true,
    flaggerMaxMs: 500,
  },
  {
    name: 'daily cycle (latency × 0.6–1.8, traffic × 0.3–1.7)',
    setting: {
      ...steady,
      sharedLatency: latencyCycle(hour),
      traffic: (t) => 1 + 0.7 * Math.sin((2 * Math.PI * t) / hour),
    },
    required: true,
    flaggerMaxMs: 500,
  },
  { name: 'low traffic 1 req/s', setting: { ...steady, rps: 1 }, required: true, dt: 30, flaggerMaxMs: 500 },
  { name: 'low traffic 0.2 req/s', setting: { ...steady, rps: 0.2 }, required: true, dt: 30, flaggerMaxMs: 500 },
  {
    name: 'heavy tail: lognormal σ = 1.2 (p99 ≈ 1.6 s)',
    setting: healthy(heavyLog),
    required: true,
    flaggerMaxMs: flaggerLimit(heavyLog),
  },
  {
    name: 'heavy tail: Pareto α = 1.5 (p99 ≈ 0.86 s)',
    setting: healthy(heavyPareto),
    required: true,
    flaggerMaxMs: flaggerLimit(heavyPareto),
  },
  {
    name: 'buckets: fine (× 1.25 per bucket)',
    setting: { ...steady, layout: LAYOUTS.fine },
    required: true,
    flaggerMaxMs: 500,
  },
  {
    name: 'buckets: 1-2.5-5 (most exporters)',
    setting: { ...steady, layout: LAYOUTS.proxyCoarse },
    required: true,
    flaggerMaxMs: 500,
  },
  {
    name: 'buckets: coarse (100 ms, 1 s, 10 s)',
    setting: { ...steady, layout: LAYOUTS.coarse },
    required: true,
    flaggerMaxMs: 500,
  },
  {
    name: 'split mismatch (11 % actual, 10 % nominal)',
    setting: { ...steady, share: () => 0.11 },
    required: true,
    flaggerMaxMs: 500,
  },
  {
    name: 'extra: buckets topping out below the p99 (10–250 ms)',
    setting: { ...steady, layout: LAYOUTS.lowTop },
    required: false,
    flaggerMaxMs: 500,
  },
  {
    name: 'extra: weight steps 10→20→50 %, watched 1 h',
    setting: { ...steady, share: (t) => (t < 1200 ? 0.1 : t < 2400 ? 0.2 : 0.5) },
    required: false,
    watch: true,
    flaggerMaxMs: 500,
  },
  {
    name: 'extra: steady, 1 s batches, watched 30 min',
    setting: { ...steady, horizon: 1800 },
    runs: 100,
    required: false,
    watch: true,
    dt: 1,
    flaggerMaxMs: 500,
  },
];
