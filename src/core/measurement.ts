/**
 * What metric providers return and analyzers consume. Plain JSON-serialisable values: they are persisted
 * with the rollout so a restarted controller continues the same analysis.
 */

/**
 * A latency histogram in Prometheus' shape: `counts[i]` observations took at most `le[i]` milliseconds
 * (cumulative over buckets); `count` is every observation, `sum` their total in milliseconds.
 */
export interface LatencyHistogram {
  le: number[];
  counts: number[];
  count: number;
  sum: number;
}

/** Requests one version served. Providers report cumulative totals; the controller takes differences. */
export interface VersionCounts {
  requests: number;
  /** Server errors (5xx, or the provider's notion of failure). */
  errors: number;
  latency?: LatencyHistogram;
  /** Latency quantiles in ms, when the back-end computes them itself (e.g. PromQL histogram_quantile). */
  quantiles?: { p50?: number; p90?: number; p99?: number };
}

export type MeasurementPhase = 'ok' | 'no-data' | 'error';

/**
 * One reading of both versions. Measurements are values, not exceptions: a failed query is a measurement
 * with phase `error` and a reason, which the engine reasons about (it never counts as healthy).
 */
export type Measurement =
  | {
      phase: 'ok';
      at: number;
      stable: VersionCounts;
      canary: VersionCounts;
      /**
       * The stable version's latency over a window before the analysis began, from providers whose counts start at
       * the analysis (Prometheus); offered once. The engine gives it to the analyzer at the first reading, where
       * the built-in proxy's whole-life totals serve the same purpose.
       */
      stableHistory?: LatencyHistogram;
    }
  | { phase: 'no-data' | 'error'; at: number; reason: string };

/** Counts observed during one interval (differences of two cumulative readings). */
export interface CountsDelta {
  requests: number;
  errors: number;
  latency?: LatencyHistogram;
  quantiles?: { p50?: number; p90?: number; p99?: number };
}

/** One batch handed to an analyzer: what each version served since the previous batch. */
export interface AnalysisBatch {
  /** Seconds since the analysis began. */
  t: number;
  canary: CountsDelta;
  baseline: CountsDelta;
}

export type Verdict = 'continue' | 'rollback' | 'healthy' | 'inconclusive';

/** Numbers behind a decision: counts, rates, e-values, bounds, thresholds. */
export type Evidence = Record<string, number | string | boolean | null>;

export interface Decision {
  verdict: Verdict;
  /** One line a person understands, e.g. "canary error rate 4.1% vs baseline 0.1% (e-value 212 ≥ 100)". */
  reason: string;
  evidence: Evidence;
}
