import type { Platform } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { EcsConfig } from './config.js';

export { ecsPlatformConfig, type EcsConfig, type EcsConfigInput } from './config.js';

export const kind = 'ecs';

/**
 * The `ecs` platform: each version runs as its own ECS service cloned from the stable one.
 *
 * Naming (stable and predictable; see `src/aws/naming.ts`): for `service: web`, version `1.4.2` runs as ECS
 * service `web-1-4-2`, task definition family `web-1-4-2` and, in App Mesh, virtual node `web-1-4-2`. The service
 * that ran before Chimera (`web`, the seed) is the first stable version. Every service Chimera creates is tagged
 * `chimera:service`, `chimera:version` and `chimera:role` (`canary`, then `stable` once promoted).
 *
 * Deploy: DescribeTaskDefinition(stable) → (App Mesh) CreateVirtualNode from the stable node with the Cloud Map
 * attribute ECS_TASK_DEFINITION_FAMILY=<new family> → RegisterTaskDefinition (new family and image, everything
 * else kept, Envoy renamed to the new node and labelled for Prometheus) → CreateService (a copy of the stable
 * service). Ready: running tasks of the primary deployment, and HEALTHY in Cloud Map when the service registers
 * there. Promote: tag the canary `chimera:role=stable`, then retire the old version. Remove (rollback, retire):
 * UpdateService desired 0 → DeleteService → DeregisterTaskDefinition (every revision of a family Chimera made;
 * only the running revision of the seed's).
 *
 * `VersionStatus.refs` keys: `cluster`, `serviceName`, `serviceArn`, `taskDefinitionArn`, `family`;
 * `targetGroupArn` behind a load balancer; `mesh` and `virtualNode` when Envoy runs in App Mesh.
 *
 * `flavour: task-set` (EXTERNAL deployment controller): versions are task sets of the one service `service`,
 * labelled with the version as `externalId`; promote makes the canary's set PRIMARY. Adds `refs.taskSetArn`.
 */
export async function createPlatform(config: EcsConfig, ctx: ProviderContext): Promise<Platform> {
  if (config.flavour === 'task-set') {
    const { EcsTaskSetPlatform } = await import('./task-set-platform.js');
    return new EcsTaskSetPlatform(config, ctx);
  }
  const { EcsPlatform } = await import('./ecs-platform.js');
  return new EcsPlatform(config, ctx);
}
