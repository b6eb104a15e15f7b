import type { AnalysisBatch, Decision } from '../core/measurement.js';

/**
 * Turns measurements into decisions. Pure: no I/O, no clock. The state is JSON-serialisable and is persisted
 * with the rollout, so analysis survives a controller restart.
 */
export interface Analyzer<S = unknown> {
  readonly kind: string;
  initial(): S;
  observe(state: S, batch: AnalysisBatch): { state: S; decision: Decision };
}
