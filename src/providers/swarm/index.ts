import type { Platform } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { SwarmPlatformConfig } from './config.js';

/**
 * Docker Swarm platform: each instance of a version is a one-task Swarm service `<service>-<version>-<i>` with host
 * networking, bound to its own port from `ports` (PORT and HOST in its environment), labelled `chimera.service` / `chimera.version` /
 * `chimera.role` / `chimera.port` / `chimera.replica` so a restarted controller adopts it. Ready = tasks running (and healthy under
 * the image's HEALTHCHECK, which Swarm waits for) and `healthCheck`'s HTTP GET answering, when configured.
 *
 * Traffic is split by the built-in proxy or HAProxy, never by Swarm's VIP: see docs/providers/swarm.md.
 *
 * `VersionStatus.refs`: `serviceIds`, `serviceNames`, `ports` (comma-separated, one per instance).
 * `endpoints`: `{ host, port }` per running, healthy instance.
 */
export const kind = 'swarm';

export { swarmPlatformConfig, type SwarmPlatformConfig } from './config.js';

export async function createPlatform(config: SwarmPlatformConfig, ctx: ProviderContext): Promise<Platform> {
  const [{ connectDocker }, { SwarmPlatform }] = await Promise.all([
    import('../docker/shared.js'),
    import('./swarm-platform.js'),
  ]);
  return new SwarmPlatform(await connectDocker(config.socketPath, config.timeout), config, ctx);
}
