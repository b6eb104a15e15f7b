import path from 'node:path';
import type { Platform } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { LocalPlatformConfig } from './config.js';

export const kind = 'local';
export { localPlatformConfig, type LocalPlatformConfig } from './config.js';

/**
 * The local platform: each version runs as child processes of the configured command on this machine,
 * supervised by detached processes that outlive the controller. `config.cwd` must already be absolute.
 *
 * @example
 * const platform = await createPlatform(spec.spec.platform, { service: 'shop', dataDir: '.chimera', log });
 * await platform.deploy({ service: 'shop', version: 'v2', role: 'canary' }, signal);
 */
export async function createPlatform(config: LocalPlatformConfig, ctx: ProviderContext): Promise<Platform> {
  const { LocalPlatform } = await import('./local-platform.js');
  // The spec loader makes cwd absolute; a config built by hand may not have, and the supervisor runs elsewhere.
  const resolved = { ...config, cwd: path.resolve(config.cwd) };
  return new LocalPlatform(resolved, path.resolve(ctx.dataDir), ctx.log.child({ platform: kind }));
}
