import type { MetricProvider } from '../../ports/metric-provider.js';
import type { ProviderContext } from '../context.js';
import type { CloudWatchMetricsConfig } from './config.js';

export { cloudWatchMetricsConfig, type CloudWatchMetricsConfig } from './config.js';

export const kind = 'cloudwatch';

/**
 * The `cloudwatch` metric provider. Cumulative per-version request and 5xx counts since the analysis began,
 * summed from GetMetricData: Envoy's `envoy_http_downstream_rq_xx` (classes 1–5 are requests, class 5 errors)
 * per task family, or an ALB target group's `RequestCount` and `HTTPCode_Target_5XX_Count` (and optionally
 * `TargetResponseTime` percentiles). No datapoint for the canary is `no-data`, never healthy.
 */
export async function createMetricProvider(
  config: CloudWatchMetricsConfig,
  ctx: ProviderContext,
): Promise<MetricProvider> {
  const { CloudWatchProvider } = await import('./cloudwatch-provider.js');
  return new CloudWatchProvider(config, ctx);
}
