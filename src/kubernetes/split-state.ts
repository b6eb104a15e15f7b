import { ConfigError, ProviderError } from '../errors.js';
import type { VersionStatus } from '../ports/platform.js';
import type { KubeObject } from './client.js';

/** What Chimera last wrote, kept in an annotation so any controller instance can read the split back. */
export interface SplitState {
  stable: SplitBackend;
  canary?: SplitBackend;
}
export interface SplitBackend {
  /** Kubernetes Service name. */
  service: string;
  port: number;
  version: string;
  /** Value of the pods' version label (Istio subsets). */
  versionLabel?: string;
}
export const STATE_ANNOTATION = 'chimera.dev/split';
export function readState(obj: KubeObject): SplitState | undefined {
  const raw = obj.metadata?.annotations?.[STATE_ANNOTATION];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as SplitState;
  } catch {
    return undefined;
  }
}

/** The state entry for a platform's VersionStatus; Kubernetes refs are required. */
export function backendOf(status: VersionStatus, router: string): SplitBackend {
  const service = status.refs.service;
  const port = Number(status.refs.port);
  if (!service || !Number.isInteger(port) || port <= 0) {
    throw new ProviderError(
      `the ${router} router needs the kubernetes platform (version ${status.version} has no Service ref)`,
      router,
      false,
    );
  }
  const backend: SplitBackend = { service, port, version: status.version };
  if (status.refs.versionLabel) backend.versionLabel = status.refs.versionLabel;
  return backend;
}

/** Rejects a weight outside 0–100 before anything is written. */
export function checkWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight < 0 || weight > 100) {
    throw new ConfigError(`canary weight must be a percentage from 0 to 100, got ${weight}`, [
      { path: 'weight', message: 'expected 0–100' },
    ]);
  }
}
