import type { AnalysisBatch, Decision, Evidence, Verdict } from '../core/measurement.js';
import type { Analyzer } from '../ports/analyzer.js';

/** What the fake analyzer remembers: running totals of every batch it was fed (JSON, like a real one). */
export interface FakeAnalyzerState {
  batches: number;
  t: number;
  canaryRequests: number;
  canaryErrors: number;
  baselineRequests: number;
  baselineErrors: number;
}

/** Decides from the running totals (after adding the current batch) and the batch itself. */
export type DecideFn = (totals: FakeAnalyzerState, batch: AnalysisBatch) => Verdict | Decision;

/**
 * A scriptable, pure Analyzer for tests: state is the running totals, the verdict is whatever `decide` returns.
 *
 * @example
 * const analyzer = fakeAnalyzer((t) => (t.canaryErrors > 5 ? 'rollback' : t.canaryRequests >= 100 ? 'healthy' : 'continue'));
 */
export function fakeAnalyzer(decide: DecideFn, kind = 'fake'): Analyzer<FakeAnalyzerState> {
  return {
    kind,
    initial: () => ({ batches: 0, t: 0, canaryRequests: 0, canaryErrors: 0, baselineRequests: 0, baselineErrors: 0 }),
    observe(state, batch) {
      const next: FakeAnalyzerState = {
        batches: state.batches + 1,
        t: batch.t,
        canaryRequests: state.canaryRequests + batch.canary.requests,
        canaryErrors: state.canaryErrors + batch.canary.errors,
        baselineRequests: state.baselineRequests + batch.baseline.requests,
        baselineErrors: state.baselineErrors + batch.baseline.errors,
      };
      const out = decide(next, batch);
      const decision = typeof out === 'string' ? describe(out, next) : out;
      return { state: next, decision };
    },
  };
}

/** Always the same verdict. */
export function constantAnalyzer(verdict: Verdict): Analyzer<FakeAnalyzerState> {
  return fakeAnalyzer(() => verdict, `constant-${verdict}`);
}

/** Verdicts in order, one per batch; the last one repeats. */
export function scriptedAnalyzer(verdicts: readonly Verdict[]): Analyzer<FakeAnalyzerState> {
  return fakeAnalyzer((s) => verdicts[Math.min(s.batches, verdicts.length) - 1] ?? 'continue', 'scripted');
}

/**
 * A naive rate rule for tests: rollback once the canary error rate exceeds `maxErrorRate` with at least
 * `minRequests` canary requests, healthy below it, continue before that.
 */
export function errorRateAnalyzer(maxErrorRate: number, minRequests: number): Analyzer<FakeAnalyzerState> {
  return fakeAnalyzer((s) => {
    if (s.canaryRequests < minRequests) return 'continue';
    return s.canaryErrors / s.canaryRequests > maxErrorRate ? 'rollback' : 'healthy';
  }, 'error-rate');
}

function describe(verdict: Verdict, s: FakeAnalyzerState): Decision {
  const rate = s.canaryRequests === 0 ? 0 : s.canaryErrors / s.canaryRequests;
  const evidence: Evidence = {
    canaryRequests: s.canaryRequests,
    canaryErrors: s.canaryErrors,
    baselineRequests: s.baselineRequests,
    baselineErrors: s.baselineErrors,
    batches: s.batches,
  };
  return {
    verdict,
    reason: `fake verdict ${verdict} after ${s.batches} batches: canary ${s.canaryErrors}/${s.canaryRequests} errors (${(rate * 100).toFixed(1)}%)`,
    evidence,
  };
}
