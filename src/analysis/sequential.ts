import type { AnalysisBatch, Decision, Evidence } from '../core/measurement.js';
import type { InPlaceAnalyzer } from './in-place.js';
import { batchProblem } from './batch.js';
import { eValue, num, pct, rate, round } from './format.js';
import { checkGuards, initialGuards, type GuardState } from './guards.js';
import { initialLatencyTest, readLatencyTest, updateLatencyTest, type LatencyTestState } from './latency-test.js';
import { rateShownBelow, rateUpper } from './math.js';
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
export function createSequentialAnalyzer(o: AnalyzerOptions): InPlaceAnalyzer<SequentialState> {
  const grid = makeGrid([1 + o.tolerance, 1 + o.latencyTolerance]);
  const logT = Math.log(1 / o.alpha);
  const errorsReadout: RatioReadout = { toleranceIndex: gridIndex(grid, 1 + o.tolerance), logThreshold: logT };
  const latencyReadout: RatioReadout = { toleranceIndex: gridIndex(grid, 1 + o.latencyTolerance), logThreshold: logT };

  function observe(s: SequentialState, batch: AnalysisBatch): { state: SequentialState; decision: Decision } {
    if (s.final) return { state: s, decision: s.final };
    const problem = batchProblem(batch);
    if (problem) return { state: s, decision: invalid(problem) };
    const next: SequentialState = {
      v: 1,
      canary: { requests: s.canary.requests, errors: s.canary.errors },
      baseline: { requests: s.baseline.requests, errors: s.baseline.errors },
      errors: s.errors,
      latency: s.latency,
      guards: s.guards,
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

  /**
   * Folds a valid batch into `next` (a state the caller may modify; its `errors`, `latency` and `guards` are
   * replaced, not modified, unless `inPlace`) and decides.
   */
  function fold(next: SequentialState, batch: AnalysisBatch, inPlace: boolean): Decision {
    const c = batch.canary;
    const b = batch.baseline;
    let latency = next.latency;
    if (latency === null && c.requests + b.requests > 0) {
      latency = c.latency && b.latency ? initialLatencyTest(grid) : false;
    }
    if (latency) latency = updateLatencyTest(grid, latencyReadout, latency, batch, o.latencyQuantile);
    const alphaErrors = o.alpha * (1 - ALPHA_GUARDS - (latency ? ALPHA_LATENCY : 0));
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
      eThreshold: round(1 / alphaErrors),
      ratioUpper: next.errors.upper,
    };
    for (const key in g.evidence) evidence[key] = g.evidence[key]!;
    const counts = `canary ${rate(cn.errors, cn.requests)} errors vs baseline ${rate(bn.errors, bn.requests)}`;
    const lat = latency
      ? readLatencyTest(latency, {
          alphaRollback: o.alpha * ALPHA_LATENCY,
          alpha: o.alpha,
          tolerance: o.latencyTolerance,
        })
      : null;
    if (latency && lat) {
      evidence.slowThresholdMs = latency.thresholdMs;
      evidence.canarySlow = latency.canarySlow;
      evidence.baselineSlow = latency.baselineSlow;
      evidence.latencyEValue = eValue(lat.logE);
      evidence.latencyRatioUpper = latency.test.upper;
    }
    const done = (verdict: Decision['verdict'], reason: string): Decision => {
      const decision: Decision = { verdict, reason, evidence };
      // A rollback is final: every later batch gets the same answer.
      if (verdict === 'rollback') next.final = decision;
      return decision;
    };

    if (logE >= Math.log(1 / alphaErrors)) {
      return done(
        'rollback',
        `canary fails more than baseline: ${counts}; e-value ${num(Math.exp(logE))} ≥ ${num(1 / alphaErrors)}`,
      );
    }
    if (latency && lat?.rollback) {
      return done(
        'rollback',
        `canary is slower than baseline: ${rate(latency.canarySlow, latency.canaryN)} of canary requests over ` +
          `${latency.thresholdMs}ms vs ${rate(latency.baselineSlow, latency.baselineN)} of baseline; ` +
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
    const errorsHealthy = byRatio || rateShownBelow(cn.errors, cn.requests, limit, o.alpha);
    const upper = rateUpper(cn.errors, cn.requests, o.alpha);
    evidence.canaryErrorRateUpper = round(upper);
    evidence.healthyLimit = round(limit);
    const errorsWhy = errorsHealthy
      ? byRatio
        ? `error rate shown ≤ baseline × ${num(1 + o.tolerance)} (ratio bound ${num(ratioUpper)})`
        : `error rate shown ≤ ${pct(limit)} (bound ${pct(upper)})`
      : `error rate bound ${pct(upper)} not yet ≤ ${pct(limit)}; e-value ${num(Math.exp(logE))} of ${num(1 / alphaErrors)}`;
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
    initial: () => ({
      v: 1,
      canary: { requests: 0, errors: 0 },
      baseline: { requests: 0, errors: 0 },
      errors: initialRatioTest(grid),
      latency: null,
      guards: initialGuards(),
      final: null,
    }),
    observe,
    observeInPlace,
  };
}

/** A batch that cannot be read changes nothing and decides nothing. */
export function invalid(problem: string): Decision {
  return { verdict: 'inconclusive', reason: `invalid batch ignored: ${problem}`, evidence: { invalid: true } };
}
