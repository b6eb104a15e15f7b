import type { VersionStatus } from './platform.js';

/** What the router sends traffic to. */
export interface Backends {
  stable: VersionStatus;
  /** Absent once the rollout has ended. */
  canary?: VersionStatus;
}

/** The split the router actually applies, read back from it. */
export interface AppliedRoutes {
  /** Percent of requests sent to the canary, 0–100. */
  canaryWeight: number;
  stableVersion?: string;
  canaryVersion?: string;
}

/**
 * Splits traffic between stable and canary. Four idempotent methods, as Flagger's router.
 * `getRoutes` reads the weights back so the controller verifies instead of assuming; a router that cannot
 * read them throws `UnsupportedError`.
 */
export interface TrafficRouter {
  readonly kind: string;
  /** Create or update the routing objects so they point at these backends, keeping the current weight. */
  reconcile(backends: Backends, signal: AbortSignal): Promise<void>;
  /** Send `canaryWeight` percent (0–100) of requests to the canary. */
  setWeight(canaryWeight: number, signal: AbortSignal): Promise<void>;
  getRoutes(signal: AbortSignal): Promise<AppliedRoutes>;
  /** Route everything to `stable` and remove what was created for the canary. */
  finalize(stable: VersionStatus, signal: AbortSignal): Promise<void>;
  /**
   * Optional: the URL users reach the service at through this router (`http://127.0.0.1:8080`), when the router
   * knows it. The built-in load generator sends its synthetic requests there, so they split like real traffic.
   */
  entryUrl?(): string | undefined;
  close(): Promise<void>;
}
