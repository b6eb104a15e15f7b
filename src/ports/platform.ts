/** Where a version runs: local processes, Docker, Swarm, Kubernetes, ECS. */

export type Role = 'stable' | 'canary';

/** One version of one service, and the role it plays in the current rollout. */
export interface VersionTarget {
  service: string;
  version: string;
  role: Role;
  /** Instances wanted; the platform's configured default when absent. */
  replicas?: number;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface VersionStatus {
  service: string;
  version: string;
  role: Role;
  desired: number;
  ready: number;
  /** Addresses a router can send traffic to (local, Docker); empty where the platform routes by name. */
  endpoints: Endpoint[];
  /**
   * Provider-specific names a router needs (Kubernetes Service name, ECS service and target group ARN,
   * App Mesh virtual node...). Keys are documented by each platform.
   */
  refs: Record<string, string>;
  /** Why it is not ready yet, or what went wrong. */
  message?: string;
  /** True when it can never become ready without a change (image missing, command not found, crash loop). */
  failed?: boolean;
}

/**
 * Every method is idempotent: the controller may repeat any call after a crash.
 * Every method takes an AbortSignal and bounds its own network calls with timeouts.
 */
export interface Platform {
  readonly kind: string;
  /** Start, or adopt if already running, the instances of a version. Returns at once; poll `status`. */
  deploy(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus>;
  /** Current state of a version; `ready === 0` and no `failed` while it does not exist yet. */
  status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus>;
  /**
   * After promotion: the canary version becomes the stable one. Platforms that keep a fixed primary/canary
   * pair copy the canary's definition onto the primary here; others have nothing to do.
   */
  promote(canary: VersionTarget, stable: VersionTarget, signal: AbortSignal): Promise<void>;
  /** Stop and remove every instance of a version. No error when it does not exist. */
  remove(target: VersionTarget, signal: AbortSignal): Promise<void>;
  /** Versions of this service that currently run (for adoption after a restart). */
  list(service: string, signal: AbortSignal): Promise<VersionStatus[]>;
  /** Release clients and sockets; never stops workloads (the data plane outlives the control plane). */
  close(): Promise<void>;
}
