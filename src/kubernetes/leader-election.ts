import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger.js';
import { KubeApiError, type KubeClient } from './client.js';
import { LEASES, apiVersion, resourcePath } from './paths.js';
import type { Lease } from './types.js';
import { sleepUnlessAborted } from '../abortable-sleep.js';

export interface LeaderElectionOptions {
  namespace: string;
  /** Name of the coordination.k8s.io Lease all contenders share. */
  name: string;
  /** This contender's identity (pod name); unique among contenders. */
  identity: string;
  /** How long a leader that stopped renewing keeps the lease; default 15 s. */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down; default 10 s (less than the lease duration). */
  renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew; default 2 s. */
  retryPeriodMs?: number;
  log?: Logger;
}

export interface LeaderCallbacks {
  /** Called when this contender becomes leader; `signal` aborts when it stops leading. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called when this contender stops leading; when it returns a promise, the Lease is released after it settles. */
  onStoppedLeading?(): void | Promise<void>;
  /** Called whenever the observed leader changes (including to this contender). */
  onNewLeader?(identity: string): void;
}

/** The API server's MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(date = new Date()): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/**
 * Leader election through a Lease, as client-go does it: the leader renews `spec.renewTime`; others take over once
 * they have seen the same record unchanged for a whole lease duration. Expiry is judged on this process's
 * monotonic clock from when the record was observed, so clock skew between nodes does not matter. Writes use the
 * Lease's resourceVersion, so two contenders can never both win.
 *
 * @example
 * const elector = new LeaderElector(client, { namespace: 'chimera', name: 'chimera-controller', identity: podName });
 * await elector.run({ onStartedLeading: (signal) => controller.run(signal) }, shutdownSignal);
 */
export class LeaderElector {
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observed: { key: string; at: number } | undefined;
  private leader = false;
  private lastLeader: string | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = Math.min(options.renewDeadlineMs ?? 10_000, this.leaseMs);
    this.retryMs = options.retryPeriodMs ?? 2_000;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Contends, leads, and contends again after losing the lease, until `signal` aborts; then releases the lease. */
  async run(callbacks: LeaderCallbacks, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.attempt(callbacks, signal))) {
        await sleepUnlessAborted(this.retryMs, signal);
        continue;
      }
      this.leader = true;
      const leading = new AbortController();
      callbacks.onStartedLeading(leading.signal);
      let lastRenew = performance.now();
      while (!signal.aborted) {
        await sleepUnlessAborted(this.retryMs, signal);
        if (signal.aborted) break;
        if (await this.attempt(callbacks, signal)) lastRenew = performance.now();
        else if (performance.now() - lastRenew >= this.renewDeadlineMs || this.lastLeader !== this.options.identity) {
          break;
        }
      }
      this.leader = false;
      leading.abort(new Error('leadership lost'));
      // Whoever leads next must not start while this contender's work is still stopping.
      await Promise.resolve(callbacks.onStoppedLeading?.()).catch(() => undefined);
      if (signal.aborted) await this.release();
    }
  }

  /** One try to acquire or renew; false when someone else holds a live lease or the write lost a race. */
  private async attempt(callbacks: LeaderCallbacks, signal: AbortSignal): Promise<boolean> {
    const path = resourcePath(LEASES, this.options.namespace, this.options.name);
    const me = this.options.identity;
    const seconds = Math.max(1, Math.ceil(this.leaseMs / 1000));
    try {
      const lease = await this.client.get<Lease>(path, signal);
      if (!lease) {
        const now = microTime();
        await this.client.create(
          resourcePath(LEASES, this.options.namespace),
          {
            apiVersion: apiVersion(LEASES),
            kind: 'Lease',
            metadata: { name: this.options.name, namespace: this.options.namespace },
            spec: {
              holderIdentity: me,
              leaseDurationSeconds: seconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          } satisfies Lease,
          signal,
        );
        this.noteLeader(me, callbacks);
        return true;
      }
      const holder = lease.spec.holderIdentity ?? '';
      const key = `${holder}|${lease.spec.renewTime ?? ''}`;
      if (this.observed?.key !== key) this.observed = { key, at: performance.now() };
      if (holder) this.noteLeader(holder, callbacks);
      const heldDurationMs = (lease.spec.leaseDurationSeconds ?? seconds) * 1000;
      if (holder && holder !== me && performance.now() - this.observed.at < heldDurationMs) return false;
      const now = microTime();
      const spec: Lease['spec'] = { ...lease.spec, holderIdentity: me, leaseDurationSeconds: seconds, renewTime: now };
      if (holder !== me) {
        spec.acquireTime = now;
        spec.leaseTransitions = (lease.spec.leaseTransitions ?? 0) + 1;
      }
      await this.client.replace(path, { ...lease, spec }, signal);
      this.noteLeader(me, callbacks);
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      if (!(err instanceof KubeApiError && err.status === 409)) {
        this.options.log?.warn({ err }, 'leader election: lease request failed');
      }
      return false;
    }
  }

  private noteLeader(identity: string, callbacks: LeaderCallbacks): void {
    if (identity === this.lastLeader) return;
    this.lastLeader = identity;
    callbacks.onNewLeader?.(identity);
  }

  /** Hands the lease over at once instead of making the others wait out the lease duration. */
  private async release(): Promise<void> {
    const path = resourcePath(LEASES, this.options.namespace, this.options.name);
    const timeout = AbortSignal.timeout(5_000);
    try {
      await this.client.update<Lease>(
        path,
        (lease) =>
          lease.spec.holderIdentity === this.options.identity
            ? { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() } }
            : undefined,
        timeout,
      );
    } catch (err) {
      this.options.log?.warn({ err }, 'leader election: could not release the lease');
    }
  }
}
