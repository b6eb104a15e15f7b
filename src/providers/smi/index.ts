import type { TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { SmiRouterConfig } from './config.js';

/**
 * The `smi` router (SMI TrafficSplit v1alpha4 over the version Services). Needs the `kubernetes` platform's refs
 * `service` and `port`. The split it applied is kept in the TrafficSplit's `chimera.dev/split` annotation.
 */
export const kind = 'smi';

export async function createRouter(config: SmiRouterConfig, ctx: ProviderContext): Promise<TrafficRouter> {
  const { connect } = await import('../../kubernetes/connect.js');
  const { SmiRouter } = await import('./router.js');
  return new SmiRouter(await connect(config), config, ctx);
}
