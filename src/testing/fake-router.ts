import { ConfigError } from '../errors.js';
import type { VersionStatus } from '../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../ports/traffic-router.js';

/** One call the fake received, for tests that check what the controller asked. */
export type RouterCall =
  | { method: 'reconcile'; stable: string; canary?: string }
  | { method: 'setWeight'; weight: number }
  | { method: 'getRoutes' }
  | { method: 'finalize'; stable: string };

/**
 * In-memory TrafficRouter with the real routers' contract (weights 0–100, ConfigError otherwise, aborted signals
 * rejected, reconcile keeps the weight, finalize routes everything to stable). `failNext` injects the error a real
 * router would raise for a failure it cannot produce on demand.
 */
export class FakeRouter implements TrafficRouter {
  readonly kind = 'fake';
  stable: VersionStatus | undefined;
  canary: VersionStatus | undefined;
  canaryWeight = 0;
  readonly calls: RouterCall[] = [];
  private failures: Error[] = [];
  closed = false;

  /** The next call (any method) rejects with `err` and changes nothing. */
  failNext(err: Error): void {
    this.failures.push(err);
  }

  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    this.enter(signal, { method: 'reconcile', stable: backends.stable.version, canary: backends.canary?.version });
    this.stable = backends.stable;
    this.canary = backends.canary;
    if (!this.canary) this.canaryWeight = 0;
    return Promise.resolve();
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    if (typeof canaryWeight !== 'number' || !Number.isFinite(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
      throw new ConfigError(`canary weight must be a number from 0 to 100, got ${String(canaryWeight)}`);
    }
    this.enter(signal, { method: 'setWeight', weight: canaryWeight });
    if (!this.canary && canaryWeight > 0) throw new ConfigError('canaryWeight > 0 needs a canary backend');
    this.canaryWeight = canaryWeight;
    return Promise.resolve();
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    this.enter(signal, { method: 'getRoutes' });
    return Promise.resolve({
      canaryWeight: this.canaryWeight,
      stableVersion: this.stable?.version,
      canaryVersion: this.canary?.version,
    });
  }

  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    this.enter(signal, { method: 'finalize', stable: stable.version });
    this.stable = stable;
    this.canary = undefined;
    this.canaryWeight = 0;
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private enter(signal: AbortSignal, call: RouterCall): void {
    signal.throwIfAborted();
    this.calls.push(call);
    const err = this.failures.shift();
    if (err) throw err;
  }
}
