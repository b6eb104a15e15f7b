import type { AnalysisBatch, Decision } from '../core/measurement.js';
import type { Analyzer } from '../ports/analyzer.js';

/**
 * An analyzer that can also update a state in place. `observe` stays pure for everyone; a caller that owns its
 * states outright (`chimera analyze` keeps one per stream and never shares them) uses `observeInPlace` to avoid
 * allocating a new state per batch — the same decisions, bit for bit.
 */
export interface InPlaceAnalyzer<S = unknown> extends Analyzer<S> {
  /** Same decision as `observe(state, batch)`; `state` becomes what `observe` would have returned. */
  observeInPlace(state: S, batch: AnalysisBatch): Decision;
}

/** The in-place form when the analyzer has one. */
export function inPlace<S>(a: Analyzer<S>): InPlaceAnalyzer<S> | null {
  return typeof (a as Partial<InPlaceAnalyzer<S>>).observeInPlace === 'function' ? (a as InPlaceAnalyzer<S>) : null;
}
