import { ConfigError } from '../errors.js';

/**
 * Chimera's naming scheme on AWS. Every version of a service gets the same name everywhere — its ECS service,
 * its task definition family and its App Mesh virtual node — derived from the service's base name and the
 * version: `web` at version `1.4.2` is `web-1-4-2`. Names never change between deploys and never depend on
 * which version is stable, so a restarted controller finds everything again by name alone.
 * The service a user created before Chimera (the "seed", e.g. `web`) is adopted as the first stable version
 * and retired at the first promotion.
 */
export const CHIMERA_TAGS = { service: 'chimera:service', version: 'chimera:version' } as const;

/** A version as AWS names allow it: other characters become `-`. */
export function versionSlug(version: string): string {
  const slug = version
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  if (!slug) throw new ConfigError(`version "${version}" has no letters or digits to name AWS resources with`);
  return slug;
}

/**
 * The name of one version's ECS service, task definition family and virtual node.
 *
 * @example versionResourceName('web', '1.4.2') === 'web-1-4-2'
 */
export function versionResourceName(base: string, version: string): string {
  return `${base}-${versionSlug(version)}`;
}
