import type { AnalysisBatch, Decision, Evidence, LatencyHistogram } from '../core/measurement.js';
import type { InPlaceAnalyzer } from './in-place.js';
import {
  recordEvidence,
  recordReason,
  type SequentialRecord,
  T_CONTINUE,
  T_HEALTHY,
  T_INCONCLUSIVE,
  T_ROLLBACK,
  WHY_BOUND,
  WHY_NOT_YET,
  WHY_RATIO,
  type RecordAnalyzer,
} from './sequential-record.js';
import { batchProblem } from './batch.js';
import { eValue, num, pct, rate, round } from './format.js';
import { checkGuards, initialGuards, type GuardState } from './guards.js';
import {
  initialLatencyTest,
  primeLatencyTest,
  readLatencyTest,
  updateLatencyTest,
  type LatencyTestState,
} from './latency-test.js';
import { bounds } from './bound-cache.js';
import type { AnalyzerOptions } from './options.js';
import {
  gridIndex,
  initialRatioTest,
  makeGrid,
  updateRatioTest,
  updateRatioTestInPlace,
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
  guards: GuardState;
  /** A rollback is final: every later batch gets the same answer. */
  final: Decision | null;
}

// How alpha is spent: the error test gets most of it; the latency test and the two hard guards the rest.
// Fixed at the first batch with requests, so the split never depends on the outcome.
// The guards are a backstop (the count test catches large regressions first), so they get little.
const ALPHA_GUARDS = 0.02;
const ALPHA_LATENCY = 0.1;

/**
 * The default analysis: anytime-valid sequential comparison of canary and baseline error rates (and slow-request
 * shares), with the thresholds as hard guards. See docs/analysis.md for the method and its measured performance.
 */
export function createSequentialAnalyzer(
  o: AnalyzerOptions,
): InPlaceAnalyzer<SequentialState> & RecordAnalyzer<SequentialState> {
  // Errors roll back on evidence against "canary no worse" (ρ0 = 1): any excess error is a fault. Slow requests
  // roll back on evidence against "no more than 1 + latencyTolerance times the baseline's share": a tail that
  // is only as much slower as the user allows is no fault, however much traffic shows it (the e-value against
  // ρ0 = 1 rolled such canaries back, a lower-traffic version's tail being a little longer on a busy host).
  const grid = makeGrid([1 + o.tolerance]);
  const latencyGrid = makeGrid([], 1 + o.latencyTolerance);
  const logT = Math.log(1 / o.alpha);
  const errorsReadout: RatioReadout = { toleranceIndex: gridIndex(grid, 1 + o.tolerance), logThreshold: logT };
  const latencyReadout: RatioReadout = {
    toleranceIndex: gridIndex(latencyGrid, 1 + o.latencyTolerance),
    logThreshold: logT,
  };
  // The error test's level, for a stream without [0] and with [1] a latency test: computed once, read every batch.
  const errorLevels = [false, true].map((withLatency) => {
    const alphaErrors = o.alpha * (1 - ALPHA_GUARDS - (withLatency ? ALPHA_LATENCY : 0));
    return { rounded: round(1 / alphaErrors), log: Math.log(1 / alphaErrors), text: num(1 / alphaErrors) };
  });

  function initial(): SequentialState {
    return {
      v: 1,
      canary: { requests: 0, errors: 0 },
      baseline: { requests: 0, errors: 0 },
      errors: initialRatioTest(grid),
      latency: null,
      guards: initialGuards(),
      final: null,
    };
  }

  /** The stable version's history fixes the slow-request threshold before the canary serves (see the port). */
  function primeBaseline(s: SequentialState, history: LatencyHistogram): SequentialState {
    if (s.final || s.latency === false) return s;
    const latency = primeLatencyTest(latencyGrid, s.latency, history, o.latencyQuantile);
    return latency === s.latency ? s : { ...s, latency };
  }

  function observe(s: SequentialState, batch: AnalysisBatch): { state: SequentialState; decision: Decision } {
    if (s.final) return { state: s, decision: s.final };
    const problem = batchProblem(batch);
    if (problem) return { state: s, decision: invalid(problem) };
    // A state saved by a Chimera whose grids differed (an upgrade in the middle of a step) holds likelihoods of
    // other ratios: its evidence cannot be carried over, so the step's analysis starts again.
    const fits =
      s.errors.ll.length === grid.ratios.length &&
      (!s.latency || s.latency.test.ll.length === latencyGrid.ratios.length);
    const from = fits ? s : initial();
    const next: SequentialState = {
      v: 1,
      canary: { requests: from.canary.requests, errors: from.canary.errors },
      baseline: { requests: from.baseline.requests, errors: from.baseline.errors },
      errors: from.errors,
      latency: from.latency,
      guards: from.guards,
      final: null,
    };
    return { state: next, decision: fold(next, batch, false) };
  }

  /** {@link observe} modifying `s` in place: for owners of a state nobody else sees (chimera analyze). */
  function observeInPlace(s: SequentialState, batch: AnalysisBatch): Decision {
    if (s.final) return s.final;
    const problem = batchProblem(batch);
    if (problem) return invalid(problem);
    return fold(s, batch, true);
  }

  const noGuards = o.thresholds.maxErrorRate === undefined && o.thresholds.maxP99LatencyMs === undefined;
  const toleranceText = num(1 + o.tolerance);
  const minRequestsText = String(o.minRequests);

  /**
   * {@link observeInPlace} for `chimera analyze`: in the common case (no hard guards, no latency test) the decision
   * goes into `rec` (numbers and a reason template, see sequential-record.ts) and null is returned; otherwise, and
   * for every rollback, the Decision. The same state change and the same decision either way.
   */
  function observeRecord(s: SequentialState, batch: AnalysisBatch, rec: SequentialRecord): Decision | null {
    if (s.final) return s.final;
    const problem = batchProblem(batch);
    if (problem) return invalid(problem);
    const c = batch.canary;
    const b = batch.baseline;
    if (!noGuards || s.latency) return fold(s, batch, true);
    if (s.latency === null && c.requests + b.requests > 0) {
      if (c.latency && b.latency) return fold(s, batch, true);
      s.latency = false;
    }
    const level = errorLevels[0]!;
    const cn = s.canary;
    const bn = s.baseline;
    cn.requests += c.requests;
    cn.errors += c.errors;
    bn.requests += b.requests;
    bn.errors += b.errors;
    const t = s.errors;
    updateRatioTestInPlace(grid, errorsReadout, t, c.errors, c.requests, b.errors, b.requests);
    const logE = t.logE;
    const baseRate = bn.requests > 0 ? bn.errors / bn.requests : 0;
    rec.cr = cn.requests;
    rec.ce = cn.errors;
    rec.br = bn.requests;
    rec.be = bn.errors;
    rec.canaryErrorRate = round(cn.requests > 0 ? cn.errors / cn.requests : 0);
    rec.baselineErrorRate = round(baseRate);
    rec.share = t.share === null ? NaN : round(t.share);
    rec.eValue = eValue(logE);
    rec.eThreshold = level.rounded;
    rec.ratioUpper = t.upper ?? NaN;
    rec.logE = logE;
    rec.levelText = level.text;
    rec.toleranceText = toleranceText;
    rec.minRequestsText = minRequestsText;
    if (logE >= level.log) {
      rec.template = T_ROLLBACK;
      // Rare (once per stream) and final: a Decision, kept as the stream's answer from now on.
      return decided(s, 'rollback', recordReason(rec), recordEvidence(rec));
    }
    if (cn.requests < o.minRequests) {
      rec.template = T_INCONCLUSIVE;
      return null;
    }
    const limit = (1 + o.tolerance) * baseRate + o.absoluteTolerance;
    const byRatio = t.logTolerance >= logT;
    const errorsHealthy = byRatio || bounds.shownBelow(cn.errors, cn.requests, limit, o.alpha);
    const upper = bounds.upper(cn.errors, cn.requests, o.alpha);
    rec.upper = upper;
    rec.limit = limit;
    rec.canaryErrorRateUpper = round(upper);
    rec.healthyLimit = round(limit);
    rec.why = byRatio ? WHY_RATIO : errorsHealthy ? WHY_BOUND : WHY_NOT_YET;
    rec.template = errorsHealthy ? T_HEALTHY : T_CONTINUE;
    return null;
  }

  /**
   * Folds a valid batch into `next` (a state the caller may modify; its `errors`, `latency` and `guards` are
   * replaced, not modified, unless `inPlace`) and decides.
   */
  function fold(next: SequentialState, batch: AnalysisBatch, inPlace: boolean): Decision {
    const c = batch.canary;
    const b = batch.baseline;
    let latency = next.latency;
    if (latency === null && c.requests + b.requests > 0) {
      latency = c.latency && b.latency ? initialLatencyTest(latencyGrid) : false;
    }
    if (latency) latency = updateLatencyTest(latencyGrid, latencyReadout, latency, batch, o.latencyQuantile);
    const level = errorLevels[latency ? 1 : 0]!;
    const g = checkGuards(o.thresholds, next.guards, batch, o.alpha * ALPHA_GUARDS);
    next.canary.requests += c.requests;
    next.canary.errors += c.errors;
    next.baseline.requests += b.requests;
    next.baseline.errors += b.errors;
    if (inPlace) updateRatioTestInPlace(grid, errorsReadout, next.errors, c.errors, c.requests, b.errors, b.requests);
    else next.errors = updateRatioTest(grid, errorsReadout, next.errors, c.errors, c.requests, b.errors, b.requests);
    next.latency = latency;
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

  return {
    kind: 'sequential',
    initial,
    primeBaseline,
    observe,
    observeInPlace,
    observeRecord,
  };
}

function decided(next: SequentialState, verdict: Decision['verdict'], reason: string, evidence: Evidence): Decision {
  const decision: Decision = { verdict, reason, evidence };
  // A rollback is final: every later batch gets the same answer.
  if (verdict === 'rollback') next.final = decision;
  return decision;
}

/** A batch that cannot be read changes nothing and decides nothing. */
export function invalid(problem: string): Decision {
  return { verdict: 'inconclusive', reason: `invalid batch ignored: ${problem}`, evidence: { invalid: true } };
}
