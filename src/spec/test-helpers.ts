import type { LocalPlatformConfig } from '../providers/local/config.js';
import type { CanarySpec } from './schema.js';

/** The spec's platform as the `local` config, failing loudly otherwise (the union grows with every provider). */
export function localPlatform(spec: CanarySpec | undefined): LocalPlatformConfig {
  const platform = spec?.spec.platform;
  if (platform?.kind !== 'local') throw new Error(`expected a local platform, got ${platform?.kind}`);
  return platform;
}
