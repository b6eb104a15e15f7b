import type { Analyzer } from '../ports/analyzer.js';
import { createCompareAnalyzer } from './compare.js';
import { resolveOptions, type AnalyzerOptions } from './options.js';
import { createSequentialAnalyzer } from './sequential.js';
import { createThresholdAnalyzer } from './threshold.js';

export { ANALYSIS_MODES, DEFAULT_OPTIONS, optionsFromSpec, resolveOptions } from './options.js';
export type { AnalysisMode, AnalysisSpec, AnalyzerOptions, Thresholds } from './options.js';

/**
 * The analyzer for a mode: `sequential` (default: anytime-valid canary-vs-baseline test), `threshold` (the seed's
 * fixed limits) or `compare` (Kayenta-style Mann–Whitney per window). Options are validated (ConfigError).
 *
 * @example
 * const analyzer = createAnalyzer({ alpha: 0.01 });
 * let state = analyzer.initial();
 * const { state: next, decision } = analyzer.observe(state, batch);
 */
export function createAnalyzer(options: Partial<AnalyzerOptions> = {}): Analyzer {
  const o = resolveOptions(options);
  switch (o.mode) {
    case 'sequential':
      return createSequentialAnalyzer(o);
    case 'threshold':
      return createThresholdAnalyzer(o);
    case 'compare':
      return createCompareAnalyzer(o);
  }
}
