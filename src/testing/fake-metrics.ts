import type { LatencyHistogram, Measurement, VersionCounts } from '../core/measurement.js';
import { ProviderError } from '../errors.js';
import type { MetricProvider, MetricQuery } from '../ports/metric-provider.js';
import { LATENCY_BUCKETS_MS } from '../proxy/counters.js';

/**
 * In-memory MetricProvider: tests record what each version served (`record`), and may take the back-end down
 * (`down = true`) or make it answer `no-data`. Counts are cumulative per version, with a latency histogram in the
 * built-in proxy's buckets, exactly as real providers report them.
 */
export class FakeMetricProvider implements MetricProvider {
  readonly kind = 'fake';
  /** When true, `measure` returns phase `error` and `online` throws, as for an unreachable back-end. */
  down = false;
  /** When set, `measure` returns phase `no-data` with this reason. */
  noData: string | undefined;
  readonly queries: MetricQuery[] = [];
  private readonly versions = new Map<string, VersionCounts & { latency: LatencyHistogram }>();

  /** Version `version` served `requests` requests, `errors` of them 5xx, each taking `latencyMs` (default 5). */
  record(version: string, requests: number, errors = 0, latencyMs = 5): void {
    const v = this.versions.get(version) ?? {
      requests: 0,
      errors: 0,
      latency: { le: [...LATENCY_BUCKETS_MS], counts: LATENCY_BUCKETS_MS.map(() => 0), count: 0, sum: 0 },
    };
    v.requests += requests;
    v.errors += errors;
    v.latency.counts = v.latency.counts.map((n, i) => (latencyMs <= v.latency.le[i]! ? n + requests : n));
    v.latency.count += requests;
    v.latency.sum += requests * latencyMs;
    this.versions.set(version, v);
  }

  async measure(query: MetricQuery, signal: AbortSignal): Promise<Measurement> {
    signal.throwIfAborted();
    this.queries.push(query);
    if (this.down) return { phase: 'error', at: query.now, reason: 'fake metrics back-end is down' };
    if (this.noData !== undefined) return { phase: 'no-data', at: query.now, reason: this.noData };
    return Promise.resolve({
      phase: 'ok',
      at: query.now,
      stable: this.snapshot(query.stableVersion),
      canary: this.snapshot(query.canaryVersion),
    });
  }

  async online(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.down) throw new ProviderError('fake metrics back-end is down', 'fake', true);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    return Promise.resolve();
  }

  private snapshot(version: string): VersionCounts {
    const v = this.versions.get(version);
    if (!v) return { requests: 0, errors: 0 };
    return { requests: v.requests, errors: v.errors, latency: { ...v.latency, counts: [...v.latency.counts] } };
  }
}
