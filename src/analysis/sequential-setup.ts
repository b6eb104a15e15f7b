import type { Decision, Evidence } from '../core/measurement.js';
import { num, round } from './format.js';
import type { GuardState } from './guards.js';
import { initialGuards } from './guards.js';
import type { LatencyTestState } from './latency-test.js';
import type { AnalyzerOptions } from './options.js';
import {
  gridIndex,
  initialRatioTest,
  makeGrid,
  type RatioGrid,
  type RatioReadout,
  type RatioTestState,
} from './ratio-test.js';

/** JSON state of the sequential analyzer: fixed size, whatever the number of batches. */
export interface SequentialState {
  v: 1;
  canary: { requests: number; errors: number };
  baseline: { requests: number; errors: number };
  errors: RatioTestState;
  /** null until the first batch with requests says whether latency histograms are reported. */
  latency: LatencyTestState | null | false;
  /**
   * The median test, beside the tail test whenever histograms are reported (absent in states saved before it
   * existed: it starts at the next batch). See {@link MEDIAN_RATIOS}.
   */
  median?: LatencyTestState | null | false;
  guards: GuardState;
  /** A rollback is final: every later batch gets the same answer. */
  final: Decision | null;
}

// How alpha is spent: the error test gets most of it; the latency test and the two hard guards the rest.
// Fixed at the first batch with requests, so the split never depends on the outcome.
// The guards are a backstop (the count test catches large regressions first), so they get little.
export const ALPHA_GUARDS = 0.02;
export const ALPHA_LATENCY = 0.1;
export const ALPHA_MEDIAN = 0.03;

/**
 * The median test: the canary's requests past the smallest bucket bound ≥ (1 + latencyTolerance) × the bound
 * nearest the baseline's median, against the baseline's requests past that bound. A canary whose latencies are at
 * most (1 + latencyTolerance) times the baseline's cannot send a larger share past its bound (null ratio 1), however
 * narrow or wide the distribution and whatever slows both versions alike; so the tolerance means the same here as
 * a latency ratio. It sees a body that slowed though the tail did not, which the tail test cannot; how finely it
 * sees depends on the bucket layout (bounds 2–2.5× apart, as most exporters': only bodies more than that many
 * times slower; the built-in proxy's, at most 4/3 apart: bodies about a third slower). Such shares are near one
 * half, so they can grow at most about twofold: these alternatives, equally weighted. Rollback only: "healthy"
 * never waits for it.
 */
export const MEDIAN_RATIOS = [1.25, 1.5, 2, 3];
const MEDIAN_QUANTILE = 0.5;

/** The error test's level: 1/alpha share, as evidence shows it, as its logarithm, and as a reason shows it. */
export interface ErrorLevel {
  rounded: number;
  log: number;
  text: string;
}

/**
 * Everything the sequential analyzer derives from its options once, and reads on every batch: the grids of the
 * two count tests, how they are read, the error test's level and the texts reasons repeat.
 */
export interface SequentialSetup {
  o: AnalyzerOptions;
  grid: RatioGrid;
  latencyGrid: RatioGrid;
  medianGrid: RatioGrid;
  medianQuantile: number;
  /** 1 + latencyTolerance: how much farther than the baseline's median bound the canary is counted. */
  medianScale: number;
  /** ln(1/alpha): the level of the bounds that show "healthy". */
  logT: number;
  errorsReadout: RatioReadout;
  latencyReadout: RatioReadout;
  medianReadout: RatioReadout;
  /** The error test's level for a stream without [0] and with [1] a latency test. */
  errorLevels: ErrorLevel[];
  /** No hard guard configured: the fast path of `chimera analyze` may run. */
  noGuards: boolean;
  toleranceText: string;
  minRequestsText: string;
}

export function sequentialSetup(o: AnalyzerOptions): SequentialSetup {
  // Errors roll back on evidence against "canary no worse" (ρ0 = 1): any excess error is a fault. Slow requests
  // roll back on evidence against "no more than 1 + latencyTolerance times the baseline's share": a tail that
  // is only as much slower as the user allows is no fault, however much traffic shows it (the e-value against
  // ρ0 = 1 rolled such canaries back, a lower-traffic version's tail being a little longer on a busy host).
  const grid = makeGrid([1 + o.tolerance]);
  const latencyGrid = makeGrid([], 1 + o.latencyTolerance);
  const medianGrid = makeGrid([], 1, MEDIAN_RATIOS);
  const logT = Math.log(1 / o.alpha);
  return {
    o,
    grid,
    latencyGrid,
    medianGrid,
    medianQuantile: MEDIAN_QUANTILE,
    medianScale: 1 + o.latencyTolerance,
    logT,
    errorsReadout: {
      toleranceIndex: gridIndex(grid, 1 + o.tolerance),
      logThreshold: logT,
      temper: 1 / o.errorClusterSize,
    },
    latencyReadout: { toleranceIndex: gridIndex(latencyGrid, 1 + o.latencyTolerance), logThreshold: logT },
    medianReadout: { toleranceIndex: medianGrid.nullIndex, logThreshold: logT },
    errorLevels: [false, true].map((withLatency) => {
      const alphaErrors = o.alpha * (1 - ALPHA_GUARDS - (withLatency ? ALPHA_LATENCY + ALPHA_MEDIAN : 0));
      return { rounded: round(1 / alphaErrors), log: Math.log(1 / alphaErrors), text: num(1 / alphaErrors) };
    }),
    noGuards: o.thresholds.maxErrorRate === undefined && o.thresholds.maxP99LatencyMs === undefined,
    toleranceText: num(1 + o.tolerance),
    minRequestsText: String(o.minRequests),
  };
}

export function initialSequentialState(setup: SequentialSetup): SequentialState {
  return {
    v: 1,
    canary: { requests: 0, errors: 0 },
    baseline: { requests: 0, errors: 0 },
    errors: initialRatioTest(setup.grid),
    latency: null,
    median: null,
    guards: initialGuards(),
    final: null,
  };
}

/** A decision of `next`; a rollback is final: every later batch gets the same answer. */
export function decided(
  next: SequentialState,
  verdict: Decision['verdict'],
  reason: string,
  evidence: Evidence,
): Decision {
  const decision: Decision = { verdict, reason, evidence };
  if (verdict === 'rollback') next.final = decision;
  return decision;
}
