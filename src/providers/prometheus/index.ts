import type { MetricProvider } from '../../ports/metric-provider.js';
import type { ProviderContext } from '../context.js';
import type { PrometheusConfig } from './config.js';

/**
 * Prometheus metric provider: per-version counts (increase over the analysis window) and latency
 * (histogram and p50/p90/p99) from PromQL query sets for Chimera's proxy, HAProxy, Envoy and Istio.
 *
 * @example
 * ```yaml
 * metrics: { kind: prometheus, address: http://127.0.0.1:9090, querySet: haproxy, variables: { backend: web } }
 * ```
 */
export const kind = 'prometheus';

export { prometheusConfig, type PrometheusConfig } from './config.js';
export { QUERY_SETS, type QuerySet } from './query-sets.js';

/** `config` is the spec's parsed (output) value: durations already in milliseconds. */
export async function createMetricProvider(config: PrometheusConfig, _ctx: ProviderContext): Promise<MetricProvider> {
  const { PrometheusProvider } = await import('./provider.js');
  return new PrometheusProvider(config);
}
