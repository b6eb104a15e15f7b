import type { TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { IstioRouterConfig } from './config.js';

/**
 * The `istio` router (VirtualService weights over DestinationRule subsets `chimera-<versionLabel>`). Needs the
 * `kubernetes` platform's refs `service`, `port` and `versionLabel`. The split it applied is kept in the
 * VirtualService's `chimera.dev/split` annotation.
 */
export const kind = 'istio';

export async function createRouter(config: IstioRouterConfig, ctx: ProviderContext): Promise<TrafficRouter> {
  const { connect } = await import('../../kubernetes/connect.js');
  const { IstioRouter } = await import('./router.js');
  return new IstioRouter(await connect(config), config, ctx);
}
