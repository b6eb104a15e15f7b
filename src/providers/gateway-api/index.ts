import type { TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { GatewayApiRouterConfig } from './config.js';

/**
 * The `gateway-api` router (HTTPRoute weighted backendRefs; Gateway or GAMMA mesh parents). Needs the
 * `kubernetes` platform's refs `service` and `port`. What it last applied is kept in the route's
 * `chimera.dev/split` annotation, so a restarted controller reads the split back from the cluster.
 */
export const kind = 'gateway-api';

export async function createRouter(config: GatewayApiRouterConfig, ctx: ProviderContext): Promise<TrafficRouter> {
  const { connect } = await import('../../kubernetes/connect.js');
  const { GatewayApiRouter } = await import('./router.js');
  return new GatewayApiRouter(await connect(config), config, ctx);
}
