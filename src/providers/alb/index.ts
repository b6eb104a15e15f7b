import type { TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { AlbRouterConfig } from './config.js';

export { albRouterConfig, type AlbRouterConfig } from './config.js';

export const kind = 'alb';

/**
 * The `alb` router: weights an ALB listener rule (or the listener's default action) between the stable and
 * canary target groups read from the platform's `refs.targetGroupArn` (the `ecs` platform alternates versions
 * between the two groups of `platform.targetGroupArns`). Other actions of the rule (authentication...) are kept.
 * Every write is read back; `stickiness` enables target-group stickiness so a client stays on one version.
 */
export async function createRouter(config: AlbRouterConfig, ctx: ProviderContext): Promise<TrafficRouter> {
  const { AlbRouter } = await import('./alb-router.js');
  return new AlbRouter(config, ctx);
}
