import type { AnalysisBatch, Decision, Evidence } from '../core/measurement.js';
import { bounds } from './bound-cache.js';
import { eValue, num, pct, rate, round } from './format.js';
import { checkGuards } from './guards.js';
import { initialLatencyTest, readLatencyTest, updateLatencyTest, type LatencyTestState } from './latency-test.js';
import { updateRatioTest, updateRatioTestInPlace } from './ratio-test.js';
import {
  ALPHA_GUARDS,
  ALPHA_LATENCY,
  ALPHA_MEDIAN,
  decided,
  type SequentialSetup,
  type SequentialState,
} from './sequential-setup.js';

/**
 * The sequential analyzer's general path: every batch of the engine, and of `chimera analyze` when hard guards or
 * the latency tests run (the common case there takes sequential-fast.ts). Folds a valid batch into `next` (a state
 * the caller may modify; its `errors`, `latency`, `median` and `guards` are replaced, not modified, unless
 * `inPlace`): the error test, the latency tests (tail and median) and the guards. Then decides: rollback on
 * evidence (errors first, then the tail, the median, then a guard), inconclusive on thin traffic, healthy when the
 * error and tail tests show the canary within tolerance, else continue.
 */
export function foldBatch(
  setup: SequentialSetup,
  next: SequentialState,
  batch: AnalysisBatch,
  inPlace: boolean,
): Decision {
  const { o, grid, latencyGrid, medianGrid, errorsReadout, latencyReadout, errorLevels, logT } = setup;
  const c = batch.canary;
  const b = batch.baseline;
  let latency = next.latency;
  if (latency === null && c.requests + b.requests > 0) {
    latency = c.latency && b.latency ? initialLatencyTest(latencyGrid) : false;
  }
  if (latency) latency = updateLatencyTest(latencyGrid, latencyReadout, latency, batch, o.latencyQuantile);
  // The median test runs beside the tail test (a state saved before it existed starts it now).
  let median: LatencyTestState | null | false = latency === null ? (next.median ?? null) : false;
  if (latency && next.median !== false) {
    const from = next.median ?? initialLatencyTest(medianGrid);
    median = updateLatencyTest(medianGrid, setup.medianReadout, from, batch, setup.medianQuantile, setup.medianScale);
  }
  const level = errorLevels[latency ? 1 : 0]!;
  const g = checkGuards(o.thresholds, next.guards, batch, o.alpha * ALPHA_GUARDS);
  next.canary.requests += c.requests;
  next.canary.errors += c.errors;
  next.baseline.requests += b.requests;
  next.baseline.errors += b.errors;
  if (inPlace) updateRatioTestInPlace(grid, errorsReadout, next.errors, c.errors, c.requests, b.errors, b.requests);
  else next.errors = updateRatioTest(grid, errorsReadout, next.errors, c.errors, c.requests, b.errors, b.requests);
  next.latency = latency;
  next.median = median;
  next.guards = g.state;
  const cn = next.canary;
  const bn = next.baseline;
  const logE = next.errors.logE;
  const baseRate = bn.requests > 0 ? bn.errors / bn.requests : 0;
  const ratioUpper = next.errors.upper ?? Infinity;
  const evidence: Evidence = {
    canaryRequests: cn.requests,
    canaryErrors: cn.errors,
    baselineRequests: bn.requests,
    baselineErrors: bn.errors,
    canaryErrorRate: round(cn.requests > 0 ? cn.errors / cn.requests : 0),
    baselineErrorRate: round(baseRate),
    canaryShare: next.errors.share === null ? null : round(next.errors.share),
    eValue: eValue(logE),
    eThreshold: level.rounded,
    ratioUpper: next.errors.upper,
  };
  for (const key in g.evidence) evidence[key] = g.evidence[key]!;
  const counts = `canary ${rate(cn.errors, cn.requests)} errors vs baseline ${rate(bn.errors, bn.requests)}`;
  const lat = latency
    ? readLatencyTest(latency, {
        alphaRollback: o.alpha * ALPHA_LATENCY,
        alpha: o.alpha,
        tolerance: o.latencyTolerance,
        absoluteTolerance: o.latencyAbsoluteTolerance,
      })
    : null;
  if (latency && lat) {
    evidence.slowThresholdMs = latency.thresholdMs;
    if (latency.primed !== undefined) evidence.slowThresholdFromHistory = latency.primed;
    evidence.canarySlow = latency.canarySlow;
    evidence.baselineSlow = latency.baselineSlow;
    evidence.latencyEValue = eValue(lat.logE);
    evidence.latencyRatioUpper = latency.test.upper;
  }
  const medianLogE = median && !median.off ? median.test.logE : -Infinity;
  if (median && median.thresholdMs !== null) {
    evidence.medianThresholdMs = median.thresholdMs;
    evidence.canaryMedianThresholdMs = median.canaryThresholdMs ?? null;
    evidence.canaryOverMedian = median.canarySlow;
    evidence.baselineOverMedian = median.baselineSlow;
    evidence.medianEValue = eValue(medianLogE);
  }
  const done = (verdict: Decision['verdict'], reason: string): Decision => decided(next, verdict, reason, evidence);

  if (logE >= level.log) {
    return done(
      'rollback',
      `canary fails more than baseline: ${counts}; e-value ${num(Math.exp(logE))} ≥ ${level.text}`,
    );
  }
  if (latency && lat?.rollback) {
    return done(
      'rollback',
      `canary is slower than baseline beyond the tolerance: ${rate(latency.canarySlow, latency.canaryN)} of ` +
        `canary requests over ${latency.thresholdMs}ms vs ${rate(latency.baselineSlow, latency.baselineN)} of ` +
        `baseline (allowed: ${num(1 + o.latencyTolerance)} × baseline); ` +
        `e-value ${num(Math.exp(lat.logE))} ≥ ${num(1 / (o.alpha * ALPHA_LATENCY))}`,
    );
  }
  if (median && medianLogE >= Math.log(1 / (o.alpha * ALPHA_MEDIAN))) {
    return done(
      'rollback',
      `canary's typical request is slower than baseline's beyond the tolerance: ` +
        `${rate(median.canarySlow, median.canaryN)} of canary requests over ${median.canaryThresholdMs}ms vs ` +
        `${rate(median.baselineSlow, median.baselineN)} of baseline requests over ${median.thresholdMs}ms, its ` +
        `median (allowed: canary latency ≤ ${num(1 + o.latencyTolerance)} × baseline); e-value ` +
        `${num(Math.exp(medianLogE))} ≥ ${num(1 / (o.alpha * ALPHA_MEDIAN))}`,
    );
  }
  if (g.breach) return done('rollback', g.breach);
  if (cn.requests < o.minRequests) {
    return done(
      'inconclusive',
      `too little canary traffic: ${cn.requests} of the ${o.minRequests} requests needed (${counts}); holding`,
    );
  }
  const limit = (1 + o.tolerance) * baseRate + o.absoluteTolerance;
  const byRatio = next.errors.logTolerance >= logT;
  const errorsHealthy = byRatio || bounds.shownBelow(cn.errors, cn.requests, limit, o.alpha);
  const upper = bounds.upper(cn.errors, cn.requests, o.alpha);
  evidence.canaryErrorRateUpper = round(upper);
  evidence.healthyLimit = round(limit);
  const errorsWhy = errorsHealthy
    ? byRatio
      ? `error rate shown ≤ baseline × ${num(1 + o.tolerance)} (ratio bound ${num(ratioUpper)})`
      : `error rate shown ≤ ${pct(limit)} (bound ${pct(upper)})`
    : `error rate bound ${pct(upper)} not yet ≤ ${pct(limit)}; e-value ${num(Math.exp(logE))} of ${level.text}`;
  let latencyWhy = '';
  let latencyHealthy = true;
  if (latency && lat) {
    latencyHealthy = lat.healthy;
    latencyWhy =
      latency.thresholdMs === null
        ? '; latency: waiting for the baseline to fix the slow-request threshold'
        : `; requests over ${latency.thresholdMs}ms: canary ${rate(latency.canarySlow, latency.canaryN)} vs baseline ${rate(latency.baselineSlow, latency.baselineN)}${lat.healthy ? '' : ' (not yet bounded)'}`;
  }
  if (errorsHealthy && latencyHealthy) return done('healthy', `canary healthy: ${counts}, ${errorsWhy}${latencyWhy}`);
  return done('continue', `no decision yet: ${counts}, ${errorsWhy}${latencyWhy}`);
}
