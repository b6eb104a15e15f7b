import { createHash } from 'node:crypto';

/** Labels and annotations Chimera puts on what it creates; routers and the watcher read them too. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  service: 'chimera.dev/service',
  version: 'chimera.dev/version',
} as const;
export const ANNOTATIONS = {
  /** The version exactly as given (labels and names hold a DNS-safe slug of it). */
  version: 'chimera.dev/version',
  /** Set on a version Deployment scaled to zero by `remove`. */
  retired: 'chimera.dev/retired',
} as const;
export const MANAGED_BY = 'chimera';

/**
 * A DNS-label-safe form of a version (`1.4.0` → `1-4-0`, `V2_rc` → `v2-rc-3f9a1c`); a short hash is appended
 * whenever the mapping lost information, so two different versions never share a slug.
 */
export function versionSlug(version: string, maxLength = 40): string {
  let slug = version
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const lossless = slug === version && slug.length <= maxLength;
  if (lossless) return slug;
  const hash = createHash('sha256').update(version).digest('hex').slice(0, 6);
  slug = slug.slice(0, maxLength - 7).replace(/-+$/, '');
  return slug ? `${slug}-${hash}` : hash;
}

/** Name of the Deployment and Service running `version` of the Deployment `base`. */
export function versionObjectName(base: string, version: string): string {
  return `${base.slice(0, 22).replace(/-+$/, '')}-${versionSlug(version)}`;
}
