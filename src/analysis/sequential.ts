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
  // The error test's level, for a stream without [0] and with [1] a latency test: computed once, read every batch.
  const errorLevels = [false, true].map((withLatency) => {
    const alphaErrors = o.alpha * (1 - ALPHA_GUARDS - (withLatency ? ALPHA_LATENCY : 0));
    return { rounded: round(1 / alphaErrors), log: Math.log(1 / alphaErrors), text: num(1 / alphaErrors) };
  });

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
        })
      : null;
    if (latency && lat) {
      evidence.slowThresholdMs = latency.thresholdMs;
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

function decided(next: SequentialState, verdict: Decision['verdict'], reason: string, evidence: Evidence): Decision {
  const decision: Decision = { verdict, reason, evidence };
  // A rollback is final: every later batch gets the same answer.
  if (verdict === 'rollback') next.final = decision;
  return decision;
}

// Entries of the bound cache (a power of two: 2^12).
const CACHE_SIZE = 4096;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/**
 * {@link rateUpper} and {@link rateShownBelow}, remembered for recent arguments: each costs tens of logarithms per
 * batch, and interleaved streams often reach the same counts (the same answers, looked up). Shared by all analyzers.
 */
class BoundCache {
  private readonly upperKey = new Float64Array(CACHE_SIZE * 3).fill(-1);
  private readonly upperValue = new Float64Array(CACHE_SIZE);
  private readonly belowKey = new Float64Array(CACHE_SIZE * 4).fill(-1);
  private readonly belowValue = new Uint8Array(CACHE_SIZE);

  upper(x: number, n: number, alpha: number): number {
    const h = slot(x, n, 0);
    const k = this.upperKey;
    if (k[3 * h] === x && k[3 * h + 1] === n && k[3 * h + 2] === alpha) return this.upperValue[h]!;
    const v = rateUpper(x, n, alpha);
    k[3 * h] = x;
    k[3 * h + 1] = n;
    k[3 * h + 2] = alpha;
    this.upperValue[h] = v;
    return v;
  }

  shownBelow(x: number, n: number, limit: number, alpha: number): boolean {
    bits[0] = limit;
    const h = slot(x, n, words[0]! ^ words[1]!);
    const k = this.belowKey;
    // Object.is: the bound for -0 and 0 may differ in principle; NaN never equals itself, so is never cached.
    if (k[4 * h] === x && k[4 * h + 1] === n && Object.is(k[4 * h + 2], limit) && k[4 * h + 3] === alpha) {
      return this.belowValue[h] === 1;
    }
    const v = rateShownBelow(x, n, limit, alpha);
    k[4 * h] = x;
    k[4 * h + 1] = n;
    k[4 * h + 2] = limit;
    k[4 * h + 3] = alpha;
    this.belowValue[h] = v ? 1 : 0;
    return v;
  }
}

const bounds = new BoundCache();

function slot(x: number, n: number, extra: number): number {
  return Math.imul((x | 0) ^ Math.imul(n | 0, 0x85ebca6b) ^ extra, 0x9e3779b1) >>> 20;
}

/** A batch that cannot be read changes nothing and decides nothing. */
export function invalid(problem: string): Decision {
  return { verdict: 'inconclusive', reason: `invalid batch ignored: ${problem}`, evidence: { invalid: true } };
}
