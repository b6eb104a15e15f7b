import type { TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { HaproxyRouterConfig } from './config.js';

/**
 * HAProxy router: one backend with two servers, `stable` and `canary`, steered through the Runtime API
 * (`set server … addr`, `set weight`, read back with `get weight`). It needs the versions' `endpoints`
 * (host and port), which the local, Docker and Swarm platforms report. Per-server counts come from HAProxy's
 * Prometheus exporter through the `prometheus` metric provider's `haproxy` query set.
 *
 * @example
 * ```
 * # haproxy.cfg
 * global
 *   stats socket /run/haproxy/admin.sock mode 600 level admin
 * backend web
 *   server stable 127.0.0.1:8001 weight 100
 *   server canary 127.0.0.1:1 weight 0 disabled
 * ```
 */
export const kind = 'haproxy';

export { haproxyRouterConfig, type HaproxyRouterConfig } from './config.js';

export async function createRouter(config: HaproxyRouterConfig, ctx: ProviderContext): Promise<TrafficRouter> {
  const { HaproxyRouter } = await import('./router.js');
  return new HaproxyRouter(config, ctx);
}
