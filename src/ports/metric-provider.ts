import type { Measurement } from '../core/measurement.js';

export interface MetricQuery {
  service: string;
  stableVersion: string;
  canaryVersion: string;
  /** Epoch ms the rollout's analysis began; providers that report windows sum from here. */
  since: number;
  /** Epoch ms now (the injected clock). */
  now: number;
}

/**
 * Per-version request, error and latency counts. Counts are cumulative (monotone while the version runs);
 * the controller takes differences. A failed or empty query is a `Measurement` with phase `error` or
 * `no-data` and a reason — never an exception, never a silent pass.
 */
export interface MetricProvider {
  readonly kind: string;
  measure(query: MetricQuery, signal: AbortSignal): Promise<Measurement>;
  /** Throws a ProviderError saying why when the back-end cannot be queried (checked before a rollout starts). */
  online(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
