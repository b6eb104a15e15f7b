import type { AnalysisBatch, Decision, LatencyHistogram } from '../core/measurement.js';

/**
 * Turns measurements into decisions. Pure: no I/O, no clock. The state is JSON-serialisable and is persisted
 * with the rollout, so analysis survives a controller restart.
 */
export interface Analyzer<S = unknown> {
  readonly kind: string;
  initial(): S;
  observe(state: S, batch: AnalysisBatch): { state: S; decision: Decision };
  /**
   * Optional: the stable version's latency before the canary existed (its whole-life histogram, when the metrics
   * back-end keeps one), given once before the first batch. An analyzer that compares against thresholds taken
   * from the baseline can fix them now instead of waiting for the baseline to serve beside the canary. Returns
   * the state unchanged when it has no use for it.
   */
  primeBaseline?(state: S, history: LatencyHistogram): S;
}
