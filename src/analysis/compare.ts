import type { AnalysisBatch, Decision, Evidence } from '../core/measurement.js';
import type { Analyzer } from '../ports/analyzer.js';
import { batchProblem, invalid } from './batch.js';
import { num, pct, rate, round } from './format.js';
import { checkGuards, initialGuards, type GuardState } from './guards.js';
import { batchP99 } from './latency.js';
import { mannWhitneyGreater } from './mann-whitney.js';
import type { AnalyzerOptions } from './options.js';

/** JSON state of compare mode: the current window's per-interval values (at most `compareWindow` each). */
export interface CompareState {
  canaryRates: number[];
  baselineRates: number[];
  canaryP99: number[];
  baselineP99: number[];
  windows: number;
  canaryRequests: number;
  guards: GuardState;
  final: Decision | null;
}

/**
 * Kayenta-style comparison: every `compareWindow` intervals, a one-sided Mann–Whitney test asks whether the
 * canary's per-interval error rates (and p99 latencies, when reported) are higher than the baseline's. Each window
 * is a fresh test at level alpha, so the chance of a false rollback grows with every window looked at — the known
 * weakness measured in docs/analysis.md. The thresholds guard as in sequential mode.
 */
export function createCompareAnalyzer(o: AnalyzerOptions): Analyzer<CompareState> {
  const size = o.compareWindow;

  function observe(s: CompareState, batch: AnalysisBatch): { state: CompareState; decision: Decision } {
    if (s.final) return { state: s, decision: s.final };
    const problem = batchProblem(batch);
    if (problem) return { state: s, decision: invalid(problem) };
    const c = batch.canary;
    const b = batch.baseline;
    const g = checkGuards(o.thresholds, s.guards, batch, o.alpha);
    const next: CompareState = { ...s, canaryRequests: s.canaryRequests + c.requests, guards: g.state };
    // An interval where either version served nothing has no rate to compare.
    if (c.requests > 0 && b.requests > 0) {
      next.canaryRates = [...s.canaryRates, c.errors / c.requests];
      next.baselineRates = [...s.baselineRates, b.errors / b.requests];
      const cp = batchP99(c);
      const bp = batchP99(b);
      if (cp !== null && bp !== null) {
        next.canaryP99 = [...s.canaryP99, cp];
        next.baselineP99 = [...s.baselineP99, bp];
      }
    }
    const evidence: Evidence = {
      window: next.windows + 1,
      intervals: next.canaryRates.length,
      windowSize: size,
      ...g.evidence,
    };
    const decide = (verdict: Decision['verdict'], reason: string): { state: CompareState; decision: Decision } => {
      const decision: Decision = { verdict, reason, evidence };
      return { state: verdict === 'rollback' ? { ...next, final: decision } : next, decision };
    };
    if (g.breach) return decide('rollback', g.breach);
    if (next.canaryRates.length < size) {
      const why = next.canaryRequests < o.minRequests ? `; ${next.canaryRequests} canary requests so far` : '';
      const verdict = next.canaryRequests < o.minRequests ? 'inconclusive' : 'continue';
      return decide(
        verdict,
        `collecting window ${next.windows + 1}: ${next.canaryRates.length} of ${size} intervals${why}`,
      );
    }
    const pErrors = mannWhitneyGreater(next.canaryRates, next.baselineRates);
    const hasLatency = next.canaryP99.length >= 3;
    const pLatency = hasLatency ? mannWhitneyGreater(next.canaryP99, next.baselineP99) : 1;
    // Two metrics judged at once: each at alpha/2, so one window stays at level alpha.
    const level = hasLatency ? o.alpha / 2 : o.alpha;
    evidence.pErrors = round(pErrors);
    evidence.pLatency = hasLatency ? round(pLatency) : null;
    evidence.level = level;
    const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
    const rates = `mean canary error rate ${pct(mean(next.canaryRates))} vs baseline ${pct(mean(next.baselineRates))}`;
    const reset: CompareState = {
      ...next,
      canaryRates: [],
      baselineRates: [],
      canaryP99: [],
      baselineP99: [],
      windows: next.windows + 1,
    };
    if (pErrors < level) {
      return decide(
        'rollback',
        `window ${next.windows + 1}: canary error rates higher (Mann–Whitney p = ${num(pErrors)} < ${level}): ${rates}`,
      );
    }
    if (pLatency < level) {
      return decide(
        'rollback',
        `window ${next.windows + 1}: canary p99 latencies higher (Mann–Whitney p = ${num(pLatency)} < ${level})`,
      );
    }
    const decision: Decision = {
      verdict: next.canaryRequests < o.minRequests ? 'inconclusive' : 'healthy',
      reason: `window ${next.windows + 1} passed (Mann–Whitney p = ${num(pErrors)} ≥ ${level}): ${rates}; ${rate(c.errors, c.requests)} canary errors in the last interval`,
      evidence,
    };
    return { state: reset, decision };
  }

  return {
    kind: 'compare',
    initial: () => ({
      canaryRates: [],
      baselineRates: [],
      canaryP99: [],
      baselineP99: [],
      windows: 0,
      canaryRequests: 0,
      guards: initialGuards(),
      final: null,
    }),
    observe,
  };
}
