import type { TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { AppMeshConfig } from './config.js';

export { appMeshRouterConfig, type AppMeshConfig } from './config.js';

export const kind = 'appmesh';

/**
 * The `appmesh` router: weights an existing App Mesh route between the stable and canary virtual nodes.
 * Reads `refs.virtualNode` (and `refs.family` for the canary's Cloud Map attribute) from the platform's
 * VersionStatus — the `ecs` platform fills both. reconcile creates the canary node from the stable one when
 * missing; setWeight writes `[stable 100-w, canary w]` and reads the route back; finalize routes 100% to the
 * given stable node and deletes every other node the route named.
 */
export async function createRouter(config: AppMeshConfig, ctx: ProviderContext): Promise<TrafficRouter> {
  const { AppMeshRouter } = await import('./appmesh-router.js');
  return new AppMeshRouter(config, ctx);
}
