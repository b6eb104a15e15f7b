import { CanaryError, ProviderError, UnsupportedError, errorMessage } from '../errors.js';
import type { Effect, RolloutEvent, RolloutState } from '../core/rollout.js';
import type { Logger } from '../logger.js';
import type { VersionStatus, VersionTarget } from '../ports/platform.js';
import type { RolloutPorts } from './rollout-ports.js';

/**
 * Carries out the engine's effects against the ports. Every effect is idempotent (a controller killed half-way
 * runs it again on restart) and its outcome comes back as an event for the engine. Failures are events too:
 * `effect-failed` with `retriable`, never an exception that would leave the rollout without an owner.
 */
export class EffectRunner {
  constructor(
    private readonly ports: RolloutPorts,
    private readonly log: Logger,
    private readonly timeoutMs = 60_000,
  ) {}

  async run(effect: PortEffect, state: RolloutState): Promise<RolloutEvent[]> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      switch (effect.type) {
        case 'deploy-canary':
          await this.ports.platform.deploy(target(state, 'canary'), signal);
          return [];
        case 'set-weight':
          return await this.setWeight(effect.weight, state, signal);
        case 'promote':
          await this.promote(state, signal);
          return [{ type: 'promoted' }];
        case 'rollback':
          await this.rollback(state, signal);
          return [{ type: 'rolled-back' }];
      }
    } catch (err) {
      this.log.warn({ effect: effect.type, err: errorMessage(err) }, 'effect failed');
      return [{ type: 'effect-failed', effect: effect.type, reason: describe(err), retriable: isRetriable(err) }];
    }
  }

  /** Points the router at both versions, applies the weight, then reads it back to verify. */
  private async setWeight(weight: number, state: RolloutState, signal: AbortSignal): Promise<RolloutEvent[]> {
    const [stable, canary] = await this.statuses(state, signal);
    await this.ports.router.reconcile({ stable, canary }, signal);
    await this.ports.router.setWeight(weight, signal);
    const applied = await this.readBack(signal);
    return applied === undefined ? [] : [{ type: 'weight-applied', weight: applied }];
  }

  /** All traffic to the canary, make it the stable version, then retire the old one. */
  private async promote(state: RolloutState, signal: AbortSignal): Promise<void> {
    const { platform, router } = this.ports;
    const [stable, canary] = await this.statuses(state, signal);
    await router.reconcile({ stable, canary }, signal);
    await router.setWeight(100, signal);
    await platform.promote(target(state, 'canary'), target(state, 'stable'), signal);
    const promoted = await platform.status({ ...target(state, 'canary'), role: 'stable' }, signal);
    await router.finalize(promoted, signal);
    await platform.remove(target(state, 'stable'), signal);
  }

  /** All traffic back to the stable version first, then remove the canary. */
  private async rollback(state: RolloutState, signal: AbortSignal): Promise<void> {
    const { platform, router } = this.ports;
    const stable = await platform.status(target(state, 'stable'), signal);
    await router.finalize(stable, signal);
    await platform.remove(target(state, 'canary'), signal);
  }

  private async statuses(state: RolloutState, signal: AbortSignal): Promise<[VersionStatus, VersionStatus]> {
    return Promise.all([
      this.ports.platform.status(target(state, 'stable'), signal),
      this.ports.platform.status(target(state, 'canary'), signal),
    ]);
  }

  private async readBack(signal: AbortSignal): Promise<number | undefined> {
    try {
      return (await this.ports.router.getRoutes(signal)).canaryWeight;
    } catch (err) {
      if (err instanceof UnsupportedError) return undefined;
      throw err;
    }
  }
}

/** The effects carried out against the ports (notifications, gates and load are the driver's own). */
export type PortEffect = Exclude<Effect, { type: 'notify' | 'run-gate' | 'load' }>;

export function target(state: RolloutState, role: 'stable' | 'canary'): VersionTarget {
  return { service: state.service, version: role === 'stable' ? state.fromVersion : state.toVersion, role };
}

function isRetriable(err: unknown): boolean {
  if (err instanceof ProviderError) return err.retriable;
  // Our own typed errors describe a state that repeating will not change; anything else (a dropped socket,
  // a timeout) may pass next time.
  return !(err instanceof CanaryError);
}

function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  return errorMessage(err).split('\n')[0] ?? 'unknown error';
}
