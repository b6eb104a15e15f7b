import type { AnalysisBatch, Evidence } from '../core/measurement.js';
import { pct, rate, round } from './format.js';
import { isValidHistogram } from './latency.js';
import { rateBounds, rateShownAbove } from './math.js';
import type { Thresholds } from './options.js';

/**
 * The user's absolute limits (max error rate, max p99 latency) as hard guards for the sequential and compare modes.
 * A guard trips only when the canary is *shown* past the limit by an anytime-valid bound, so one unlucky error in a
 * quiet minute does not roll back (threshold mode keeps the seed's raw per-window rule instead).
 */
export interface GuardState {
  canaryRequests: number;
  canaryErrors: number;
  /** Canary requests slower than the smallest bucket bound ≥ maxP99, and requests with a histogram. */
  slowerThanMax: number;
  withHistogram: number;
  /** Consecutive batches whose reported p99 exceeded the limit (only when no histogram is reported). */
  p99Breaches: number;
}

/** With only reported quantiles, this many consecutive batches over the limit trip the latency guard. */
export const P99_CONSECUTIVE = 3;

export function initialGuards(): GuardState {
  return { canaryRequests: 0, canaryErrors: 0, slowerThanMax: 0, withHistogram: 0, p99Breaches: 0 };
}

export interface GuardResult {
  state: GuardState;
  /** One line when a guard tripped, else null. */
  breach: string | null;
  evidence: Evidence;
}

/** Folds a batch into the guards and checks them at level `alpha` (shared by the two guards). */
const NO_EVIDENCE: Evidence = Object.freeze({});

export function checkGuards(t: Thresholds, s: GuardState, batch: AnalysisBatch, alpha: number): GuardResult {
  if (t.maxErrorRate === undefined && t.maxP99LatencyMs === undefined) {
    // No limits configured: nothing to track (this runs for every batch of every stream).
    return { state: s, breach: null, evidence: NO_EVIDENCE };
  }
  const next: GuardState = {
    ...s,
    canaryRequests: s.canaryRequests + batch.canary.requests,
    canaryErrors: s.canaryErrors + batch.canary.errors,
  };
  const evidence: Evidence = {};
  let breach: string | null = null;
  if (t.maxErrorRate !== undefined) {
    evidence.maxErrorRate = t.maxErrorRate;
    if (rateShownAbove(next.canaryErrors, next.canaryRequests, t.maxErrorRate, alpha / 2)) {
      const lower = rateBounds(next.canaryErrors, next.canaryRequests, alpha / 2).lower;
      evidence.canaryErrorRateLower = round(lower);
      breach =
        `canary error rate ${rate(next.canaryErrors, next.canaryRequests)} is above the limit ` +
        `${pct(t.maxErrorRate)} (lower bound ${pct(lower)})`;
    }
  }
  if (t.maxP99LatencyMs !== undefined) {
    const max = t.maxP99LatencyMs;
    evidence.maxP99LatencyMs = max;
    const h = batch.canary.latency;
    if (isValidHistogram(h)) {
      const i = h.le.findIndex((le) => Number.isFinite(le) && le >= max);
      if (i >= 0) {
        next.slowerThanMax += h.count - h.counts[i]!;
        next.withHistogram += h.count;
      }
      // More than 1 % of requests shown slower than the limit means the p99 is above it.
      evidence.canarySlowerThanMax = next.slowerThanMax;
      if (breach === null && rateShownAbove(next.slowerThanMax, next.withHistogram, 0.01, alpha / 2)) {
        const lower = rateBounds(next.slowerThanMax, next.withHistogram, alpha / 2).lower;
        breach =
          `canary p99 latency is above the limit ${max}ms: ${rate(next.slowerThanMax, next.withHistogram)} of ` +
          `requests slower (lower bound ${pct(lower)} > 1%)`;
      }
    } else if (batch.canary.quantiles?.p99 !== undefined && batch.canary.requests > 0) {
      const p99 = batch.canary.quantiles.p99;
      next.p99Breaches = p99 > max ? s.p99Breaches + 1 : 0;
      evidence.canaryP99Ms = round(p99);
      if (next.p99Breaches >= P99_CONSECUTIVE && breach === null) {
        breach = `canary p99 latency ${round(p99)}ms is above the limit ${max}ms in ${next.p99Breaches} intervals in a row`;
      }
    }
  }
  return { state: next, breach, evidence };
}
