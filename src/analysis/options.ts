import { ConfigError, type ConfigIssue } from '../errors.js';

/** The analysis modes; each is also the `kind` of the analyzer it creates. */
export const ANALYSIS_MODES = ['sequential', 'threshold', 'compare'] as const;
export type AnalysisMode = (typeof ANALYSIS_MODES)[number];

/** Hard limits on the canary. Applied in every mode. Rates are fractions (0.05 = 5 %). */
export interface Thresholds {
  maxErrorRate?: number;
  maxP99LatencyMs?: number;
}

/** Everything an analyzer needs to know; {@link resolveOptions} fills the defaults and checks ranges. */
export interface AnalyzerOptions {
  mode: AnalysisMode;
  /** Probability of rolling back a canary that is as good as the baseline, over the whole rollout. */
  alpha: number;
  /** Relative error-rate margin for "healthy": canary rate ≤ baseline rate × (1 + tolerance). */
  tolerance: number;
  /**
   * Absolute error-rate margin for "healthy" (fraction). With rare errors no test can show a rate within 50 % of
   * another before hundreds of errors; showing the canary's rate below baseline × (1 + tolerance) + this is
   * reachable in minutes and still far below any threshold users set.
   */
  absoluteTolerance: number;
  /**
   * Relative margin on the share of slow requests (slower than the baseline's p99): the null ratio of the latency
   * test's rollback and the limit of its "healthy".
   */
  latencyTolerance: number;
  /**
   * Absolute margin on the slow share for "healthy" (fraction): the canary's share may be shown up to baseline
   * share × (1 + latencyTolerance) + this. Like `absoluteTolerance` for errors: a 1 % tail cannot be shown within
   * 20 % of another quickly, so without it a healthy canary waits long (docs/analysis.md measures the trade-off).
   */
  latencyAbsoluteTolerance: number;
  thresholds: Thresholds;
  /** Canary requests needed before any verdict but rollback; fewer is "inconclusive". */
  minRequests: number;
  /** Batches per Mann–Whitney window in compare mode. */
  compareWindow: number;
  /** Quantile of the baseline's latency that defines a "slow" request for the latency test. */
  latencyQuantile: number;
  /**
   * Largest group of errors that can hit one version together (a client retrying against one version, a bad
   * pod): the error test then weighs each error as 1/errorClusterSize of one. Every count test assumes errors
   * independent given the rates; groups of up to this size keep the false-rollback rate ≤ alpha again, at the
   * price of a test that many times slower. 1: errors are independent (the default).
   */
  errorClusterSize: number;
}

export const DEFAULT_OPTIONS: AnalyzerOptions = {
  mode: 'sequential',
  alpha: 0.01,
  tolerance: 0.5,
  absoluteTolerance: 0.002,
  latencyTolerance: 0.2,
  latencyAbsoluteTolerance: 0.01,
  thresholds: {},
  minRequests: 50,
  compareWindow: 12,
  latencyQuantile: 0.99,
  errorClusterSize: 1,
};

type Check = [keyof AnalyzerOptions | `thresholds.${keyof Thresholds}`, unknown, (v: number) => boolean, string];

/**
 * Defaults filled in and every field checked. Throws a {@link ConfigError} listing each bad field (nothing is
 * half-applied).
 *
 * @example resolveOptions({ alpha: 0.05, thresholds: { maxErrorRate: 0.01 } })
 */
export function resolveOptions(input: Partial<AnalyzerOptions> = {}): AnalyzerOptions {
  const o: AnalyzerOptions = {
    ...DEFAULT_OPTIONS,
    ...stripUndefined(input),
    thresholds: { ...stripUndefined(input.thresholds ?? {}) },
  };
  const issues: ConfigIssue[] = [];
  if (!(ANALYSIS_MODES as readonly string[]).includes(o.mode)) {
    issues.push({ path: 'mode', message: `must be one of ${ANALYSIS_MODES.join(', ')}, got ${String(o.mode)}` });
  }
  const checks: Check[] = [
    ['alpha', o.alpha, (v) => v > 0 && v < 0.5, 'must be above 0 and below 0.5'],
    ['tolerance', o.tolerance, (v) => v >= 0 && v <= 100, 'must be between 0 and 100'],
    ['absoluteTolerance', o.absoluteTolerance, (v) => v >= 0 && v < 1, 'must be a fraction in [0, 1)'],
    ['latencyTolerance', o.latencyTolerance, (v) => v >= 0 && v <= 100, 'must be between 0 and 100'],
    [
      'latencyAbsoluteTolerance',
      o.latencyAbsoluteTolerance,
      (v) => v >= 0 && v <= 0.5,
      'must be a fraction in [0, 0.5]',
    ],
    ['minRequests', o.minRequests, (v) => Number.isInteger(v) && v >= 1, 'must be a whole number ≥ 1'],
    ['compareWindow', o.compareWindow, (v) => Number.isInteger(v) && v >= 3 && v <= 1000, 'must be 3–1000'],
    ['latencyQuantile', o.latencyQuantile, (v) => v >= 0.5 && v < 1, 'must be in [0.5, 1)'],
    [
      'errorClusterSize',
      o.errorClusterSize,
      (v) => Number.isInteger(v) && v >= 1 && v <= 1000,
      'must be a whole number from 1 to 1000',
    ],
  ];
  if (o.thresholds.maxErrorRate !== undefined) {
    checks.push([
      'thresholds.maxErrorRate',
      o.thresholds.maxErrorRate,
      (v) => v > 0 && v <= 1,
      'must be a fraction in (0, 1]',
    ]);
  }
  if (o.thresholds.maxP99LatencyMs !== undefined) {
    checks.push(['thresholds.maxP99LatencyMs', o.thresholds.maxP99LatencyMs, (v) => v > 0, 'must be above 0 ms']);
  }
  for (const [path, value, ok, message] of checks) {
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
      issues.push({ path, message: `${message}, got ${JSON.stringify(value) ?? String(value)}` });
    }
  }
  if (issues.length > 0) throw new ConfigError('invalid analysis options', issues);
  return o;
}

/**
 * The analysis part of a canary spec as `src/spec` parses it: rates in percent, durations in milliseconds.
 * Declared structurally so the analyzer does not depend on the spec loader.
 */
export interface AnalysisSpec {
  mode: AnalysisMode;
  alpha: number;
  tolerance: number;
  /** Percent (0.2 = 0.2 percentage points); the default applies when absent. */
  absoluteTolerance?: number;
  latencyTolerance: number;
  /** Percent, like absoluteTolerance; the default applies when absent. */
  latencyAbsoluteTolerance?: number;
  /** The default applies when absent. */
  errorClusterSize?: number;
  thresholds: { maxErrorRate?: number; maxP99Latency?: number };
}

/** Analyzer options from a parsed spec's `analysis` section (percent → fraction, ms kept). */
export function optionsFromSpec(spec: AnalysisSpec): AnalyzerOptions {
  return resolveOptions({
    mode: spec.mode,
    alpha: spec.alpha,
    tolerance: spec.tolerance,
    absoluteTolerance: spec.absoluteTolerance === undefined ? undefined : spec.absoluteTolerance / 100,
    latencyTolerance: spec.latencyTolerance,
    latencyAbsoluteTolerance:
      spec.latencyAbsoluteTolerance === undefined ? undefined : spec.latencyAbsoluteTolerance / 100,
    errorClusterSize: spec.errorClusterSize,
    thresholds: {
      maxErrorRate: spec.thresholds.maxErrorRate === undefined ? undefined : spec.thresholds.maxErrorRate / 100,
      maxP99LatencyMs: spec.thresholds.maxP99Latency,
    },
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
