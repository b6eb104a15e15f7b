import type { AnalysisBatch, LatencyHistogram } from '../core/measurement.js';
import {
  addHistogram,
  boundAtLeast,
  emptyLike,
  isValidHistogram,
  nearestBound,
  quantileBound,
  slowerThan,
} from './latency.js';
import { rateShownBelow } from './math.js';
import {
  initialRatioTest,
  updateRatioTest,
  type RatioGrid,
  type RatioReadout,
  type RatioTestState,
} from './ratio-test.js';

/**
 * Sequential latency comparison: requests slower than a threshold fixed once from the baseline's histogram (its
 * p99 bucket bound) are counted per version and fed to the same conditional count test as errors. A canary that
 * is slower anywhere in its tail sends more than its share of requests past that bound.
 */
export interface LatencyTestState {
  thresholdMs: number | null;
  /** Baseline buckets gathered until the threshold is fixed (finite bounds only: JSON has no Infinity). */
  baselineAcc: { le: number[]; counts: number[]; count: number } | null;
  test: RatioTestState;
  canarySlow: number;
  canaryN: number;
  baselineSlow: number;
  baselineN: number;
  /** Batches whose histograms could not be used (missing, invalid, other bounds). */
  skipped: number;
  /** Baseline observations from before the analysis that fixed the threshold (absent: fixed from batches). */
  primed?: number;
  /**
   * The median test's bound for canary requests: the smallest bucket bound ≥ (1 + latencyTolerance) × the
   * baseline's (`thresholdMs`, the bound nearest its median). Absent: the canary is counted past `thresholdMs`.
   */
  canaryThresholdMs?: number;
  /** The median test cannot run: no bucket bound lies that far above the baseline's. */
  off?: boolean;
}

/**
 * How the thresholds are fixed from the baseline's buckets. Tail test: the smallest bound holding the quantile
 * (the top finite bound when the quantile lies in the open last bucket: looser, but fixed), for both versions.
 * Median test (`scale` given): the baseline's bound is the one nearest its median, and the canary's the smallest
 * bound ≥ scale × that — so a canary whose latencies are at most `scale` times the baseline's sends no larger a
 * share past its bound than the baseline past its own, whatever the spread and whatever slows both alike.
 */
function fixThresholds(
  acc: LatencyHistogram,
  quantile: number,
  scale: number | undefined,
): Pick<LatencyTestState, 'thresholdMs' | 'canaryThresholdMs' | 'off'> | null {
  if (scale === undefined) {
    const t = quantileBound(acc, quantile) ?? acc.le[acc.le.length - 1] ?? null;
    return t === null ? null : { thresholdMs: t };
  }
  const lo = nearestBound(acc, quantile);
  if (lo === null) return null;
  const hi = boundAtLeast(acc, lo * scale);
  return hi === null ? { thresholdMs: lo, off: true } : { thresholdMs: lo, canaryThresholdMs: hi };
}

/** Baseline observations needed before its p99 bucket is trusted as the threshold. */
export const MIN_BASELINE_FOR_THRESHOLD = 200;

export function initialLatencyTest(grid: RatioGrid): LatencyTestState {
  return {
    thresholdMs: null,
    baselineAcc: null,
    test: initialRatioTest(grid),
    canarySlow: 0,
    canaryN: 0,
    baselineSlow: 0,
    baselineN: 0,
    skipped: 0,
  };
}

/**
 * The threshold fixed in advance from the baseline's history (observations it served before this analysis), when
 * that history is a valid histogram of at least {@link MIN_BASELINE_FOR_THRESHOLD} observations; otherwise the
 * test is left to gather the baseline as usual. Valid because the history is independent of the canary: the
 * threshold is as fixed as one taken from the first batches, only sooner.
 */
export function primeLatencyTest(
  grid: RatioGrid,
  s: LatencyTestState | null,
  history: LatencyHistogram,
  quantile: number,
  scale?: number,
): LatencyTestState | null {
  if (s && (s.thresholdMs !== null || s.canaryN > 0)) return s;
  if (!isValidHistogram(history) || history.count < MIN_BASELINE_FOR_THRESHOLD) return s;
  const acc = emptyLike(history);
  if (!addHistogram(acc, history)) return s;
  const fixed = fixThresholds({ ...acc, sum: 0 }, quantile, scale);
  if (fixed === null) return s;
  return { ...(s ?? initialLatencyTest(grid)), ...fixed, baselineAcc: null, primed: history.count };
}

export function updateLatencyTest(
  grid: RatioGrid,
  r: RatioReadout,
  s: LatencyTestState,
  batch: AnalysisBatch,
  quantile: number,
  scale?: number,
): LatencyTestState {
  const c = batch.canary.latency;
  const b = batch.baseline.latency;
  if (!isValidHistogram(c) || !isValidHistogram(b)) {
    return c || b ? { ...s, skipped: s.skipped + 1 } : s;
  }
  if (s.thresholdMs === null) {
    const acc = s.baselineAcc ? { ...s.baselineAcc, counts: s.baselineAcc.counts.slice() } : emptyLike(b);
    if (!addHistogram(acc, b)) return { ...s, skipped: s.skipped + 1, baselineAcc: emptyLike(b) };
    // A quantile in the open last bucket falls back to the top finite bound (see fixThresholds): waiting instead
    // would never start the test and never let the canary be shown healthy.
    const fixed = acc.count >= MIN_BASELINE_FOR_THRESHOLD ? fixThresholds({ ...acc, sum: 0 }, quantile, scale) : null;
    return fixed === null ? { ...s, baselineAcc: acc } : { ...s, ...fixed, baselineAcc: null };
  }
  if (s.off) return s;
  const sc = slowerThan(c, s.canaryThresholdMs ?? s.thresholdMs);
  const sb = slowerThan(b, s.thresholdMs);
  if (sc === null || sb === null) return { ...s, skipped: s.skipped + 1 };
  return {
    ...s,
    test: updateRatioTest(grid, r, s.test, sc, c.count, sb, b.count),
    canarySlow: s.canarySlow + sc,
    canaryN: s.canaryN + c.count,
    baselineSlow: s.baselineSlow + sb,
    baselineN: s.baselineN + b.count,
  };
}

export interface LatencyReading {
  logE: number;
  rollback: boolean;
  healthy: boolean;
}

/** Where the latency test stands: rollback at e ≥ 1/alphaRollback; healthy when the slow share is bounded. */
export function readLatencyTest(
  s: LatencyTestState,
  o: { alphaRollback: number; alpha: number; tolerance: number; absoluteTolerance: number },
): LatencyReading {
  const logE = s.test.logE;
  let healthy = false;
  if (s.thresholdMs !== null && s.canaryN > 0) {
    const baseShare = s.baselineN > 0 ? s.baselineSlow / s.baselineN : 1;
    const limit = (1 + o.tolerance) * baseShare + o.absoluteTolerance;
    healthy = s.test.logTolerance >= Math.log(1 / o.alpha) || rateShownBelow(s.canarySlow, s.canaryN, limit, o.alpha);
  }
  return { logE, rollback: logE >= Math.log(1 / o.alphaRollback), healthy };
}
