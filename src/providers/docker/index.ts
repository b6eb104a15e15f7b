import type { Platform } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { DockerPlatformConfig } from './config.js';

/**
 * Docker platform: each version runs as containers labelled `chimera.service` / `chimera.version` /
 * `chimera.role`, with host networking, each bound to its own loopback port from `ports` (passed as PORT, and
 * HOST as the address). Ready = running, Docker HEALTHCHECK healthy when the image has one, and `healthCheck`'s
 * HTTP GET answering 2xx/3xx when configured.
 *
 * `VersionStatus.refs`: `containers` (comma-separated container ids), `ports` (comma-separated ports of the
 * ready instances). `endpoints` lists `{ host, port }` of the ready instances, for the built-in proxy or HAProxy.
 *
 * @example
 * ```yaml
 * platform: { kind: docker, image: 'shop:{{version}}', healthCheck: { path: /healthz }, ports: { from: 21000, to: 21099 } }
 * ```
 */
export const kind = 'docker';

export { dockerPlatformConfig, type DockerPlatformConfig } from './config.js';

export async function createPlatform(config: DockerPlatformConfig, ctx: ProviderContext): Promise<Platform> {
  const [{ connectDocker }, { DockerPlatform }] = await Promise.all([
    import('./shared.js'),
    import('./docker-platform.js'),
  ]);
  return new DockerPlatform(await connectDocker(config.socketPath, config.timeout), config, ctx);
}
