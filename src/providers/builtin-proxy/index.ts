import type { MetricProvider } from '../../ports/metric-provider.js';
import type { TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { BuiltinProxyMetricsConfig, BuiltinProxyRouterConfig } from './config.js';

/**
 * Chimera's own proxy (`chimera proxy`) as router and metric provider. The router starts the proxy process
 * detached when nothing answers on `admin` (state, token, pid and log under `<dataDir>/proxy/<service>/`) and
 * sets its routes and weight through the admin API; the metric provider reads its per-version counters.
 *
 * @example
 * ```yaml
 * router: { kind: builtin-proxy, listen: 127.0.0.1:8080, admin: 127.0.0.1:8081 }
 * metrics: { kind: builtin-proxy }
 * ```
 */
export const kind = 'builtin-proxy';

export {
  builtinProxyMetricsConfig,
  builtinProxyRouterConfig,
  type BuiltinProxyMetricsConfig,
  type BuiltinProxyRouterConfig,
} from './config.js';

export async function createRouter(config: BuiltinProxyRouterConfig, ctx: ProviderContext): Promise<TrafficRouter> {
  const { BuiltinProxyRouter } = await import('./router.js');
  return new BuiltinProxyRouter(config, ctx);
}

export async function createMetricProvider(
  config: BuiltinProxyMetricsConfig,
  ctx: ProviderContext,
): Promise<MetricProvider> {
  const { BuiltinProxyMetrics } = await import('./metrics.js');
  return new BuiltinProxyMetrics(config, ctx);
}

/** Stops the proxy the router started for `service` under `dataDir` (demo and tests clean-up; see launcher.ts). */
export async function stopProxy(where: { dataDir: string; service: string; graceMs?: number }): Promise<void> {
  const { stopProxy: stop } = await import('./launcher.js');
  await stop(where);
}
