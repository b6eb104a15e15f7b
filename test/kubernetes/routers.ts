import type { VersionStatus } from '../../src/ports/platform.js';

/** A version as the kubernetes platform reports it (only refs matter to the routers). */
export function kubeVersion(namespace: string, version: string, role: 'stable' | 'canary'): VersionStatus {
  return {
    service: 'web',
    version,
    role,
    desired: 1,
    ready: 1,
    endpoints: [],
    refs: { namespace, service: `web-${version}`, deployment: `web-${version}`, port: '8080', versionLabel: version },
  };
}
