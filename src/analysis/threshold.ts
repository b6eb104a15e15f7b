import type { AnalysisBatch, Decision, Evidence } from '../core/measurement.js';
import type { Analyzer } from '../ports/analyzer.js';
import { batchProblem, invalid } from './batch.js';
import { pct, rate, round } from './format.js';
import { batchP99 } from './latency.js';
import type { AnalyzerOptions } from './options.js';

/** JSON state of threshold mode: only the traffic seen so far and a final rollback. */
export interface ThresholdState {
  canaryRequests: number;
  final: Decision | null;
}

/** The error-rate limit threshold mode uses when none is configured (the spec's default too). */
export const DEFAULT_MAX_ERROR_RATE = 0.05;

/**
 * The seed's rule, as rates: each interval, the canary's error rate must stay ≤ maxErrorRate and its p99 ≤
 * maxP99Latency. The stable version is measured the same way and shown beside it, so a shared incident is visible
 * in the reason — but, as in the seed, the rule still rolls back on it. Unlike the seed, an interval without canary
 * requests is inconclusive, never healthy.
 */
export function createThresholdAnalyzer(o: AnalyzerOptions): Analyzer<ThresholdState> {
  const maxErrorRate = o.thresholds.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
  const maxP99 = o.thresholds.maxP99LatencyMs;

  function observe(s: ThresholdState, batch: AnalysisBatch): { state: ThresholdState; decision: Decision } {
    if (s.final) return { state: s, decision: s.final };
    const problem = batchProblem(batch);
    if (problem) return { state: s, decision: invalid(problem) };
    const c = batch.canary;
    const b = batch.baseline;
    const next: ThresholdState = { canaryRequests: s.canaryRequests + c.requests, final: null };
    const canaryRate = c.requests > 0 ? c.errors / c.requests : 0;
    const baselineRate = b.requests > 0 ? b.errors / b.requests : 0;
    const canaryP99 = batchP99(c);
    const baselineP99 = batchP99(b);
    const evidence: Evidence = {
      canaryRequests: c.requests,
      canaryErrors: c.errors,
      baselineRequests: b.requests,
      baselineErrors: b.errors,
      canaryErrorRate: round(canaryRate),
      baselineErrorRate: round(baselineRate),
      maxErrorRate,
      canaryP99Ms: canaryP99 === null ? null : round(canaryP99),
      baselineP99Ms: baselineP99 === null ? null : round(baselineP99),
      maxP99LatencyMs: maxP99 ?? null,
    };
    const stable = `(stable ${rate(b.errors, b.requests)})`;
    const decide = (verdict: Decision['verdict'], reason: string): { state: ThresholdState; decision: Decision } => {
      const decision: Decision = { verdict, reason, evidence };
      return { state: verdict === 'rollback' ? { ...next, final: decision } : next, decision };
    };
    if (c.requests > 0 && canaryRate > maxErrorRate) {
      return decide(
        'rollback',
        `canary error rate ${rate(c.errors, c.requests)} in this interval is above ${pct(maxErrorRate)} ${stable}`,
      );
    }
    if (maxP99 !== undefined && canaryP99 !== null && c.requests > 0 && canaryP99 > maxP99) {
      const base = baselineP99 === null ? '' : ` (stable ${round(baselineP99)}ms)`;
      return decide(
        'rollback',
        `canary p99 latency ${round(canaryP99)}ms in this interval is above ${maxP99}ms${base}`,
      );
    }
    if (c.requests === 0) return decide('inconclusive', `no canary requests in this interval ${stable}; holding`);
    if (next.canaryRequests < o.minRequests) {
      return decide(
        'inconclusive',
        `too little canary traffic: ${next.canaryRequests} of the ${o.minRequests} requests needed; holding`,
      );
    }
    const p99 = canaryP99 === null || maxP99 === undefined ? '' : `, p99 ${round(canaryP99)}ms ≤ ${maxP99}ms`;
    return decide(
      'healthy',
      `canary within limits: error rate ${rate(c.errors, c.requests)} ≤ ${pct(maxErrorRate)}${p99} ${stable}`,
    );
  }

  return { kind: 'threshold', initial: () => ({ canaryRequests: 0, final: null }), observe };
}
