import { errorMessage } from '../errors.js';
import { startLoad, type LoadHandle, type LoadStats } from '../loadgen/index.js';
import type { Logger } from '../logger.js';
import type { TrafficRouter } from '../ports/traffic-router.js';

/** The spec's `analysis.loadGenerator`, as the controller needs it. */
export interface LoadAssistConfig {
  path: string;
  /** Explicit entry URL; otherwise the router's `entryUrl()`. */
  url?: string;
}

/** The outcome of carrying out one `load` effect. */
export type LoadOutcome =
  | { kind: 'started'; url: string; rps: number }
  | { kind: 'stopped'; stats?: LoadStats }
  | { kind: 'unavailable'; reason: string };

/**
 * Carries out the engine's `load` effects: runs at most one built-in load generator per rollout, in this
 * process, against the service's entry point through the router, so synthetic requests split like real ones
 * and are counted by the same metrics. Living in the controller's process is deliberate: a controller that
 * stops (or is SIGKILLed) takes its generator with it, and the next owner restarts it from the persisted state.
 */
export class LoadAssist {
  private handle?: LoadHandle;

  constructor(
    private readonly router: TrafficRouter,
    private readonly config: LoadAssistConfig,
    private readonly log: Logger,
  ) {}

  /** Where the synthetic requests go, or undefined when neither the spec nor the router says. */
  target(): string | undefined {
    let base: string | undefined = this.config.url;
    if (base === undefined) {
      try {
        base = this.router.entryUrl?.();
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'router could not tell its entry URL');
      }
    }
    if (base === undefined) return undefined;
    return base.replace(/\/+$/, '') + this.config.path;
  }

  get running(): boolean {
    return this.handle !== undefined;
  }

  /**
   * Idempotent: `rps > 0` (re)starts the generator at that rate until `until` (epoch ms, per `now`), `rps 0`
   * stops it. Never throws: a generator that cannot start is reported, and the rollout goes on without it.
   */
  async apply(effect: { rps: number; until?: number }, now: number): Promise<LoadOutcome> {
    const stats = await this.stop();
    if (effect.rps <= 0) return { kind: 'stopped', ...(stats ? { stats } : {}) };
    const url = this.target();
    if (url === undefined) {
      return {
        kind: 'unavailable',
        reason:
          `the ${this.router.kind} router cannot tell where users reach the service and ` +
          'analysis.loadGenerator.url is not set',
      };
    }
    const durationMs = effect.until === undefined ? undefined : effect.until - now;
    if (durationMs !== undefined && durationMs <= 0) return { kind: 'stopped' };
    try {
      this.handle = startLoad({
        url,
        rps: effect.rps,
        timeoutMs: 5_000,
        ...(durationMs !== undefined ? { durationMs } : {}),
      });
    } catch (err) {
      return { kind: 'unavailable', reason: errorMessage(err) };
    }
    this.log.info({ url, rps: effect.rps, durationMs }, 'load generator started');
    return { kind: 'started', url, rps: effect.rps };
  }

  /** Stops the generator if one runs (waits for its requests in flight); returns what it did. */
  async stop(): Promise<LoadStats | undefined> {
    const h = this.handle;
    if (!h) return undefined;
    this.handle = undefined;
    const stats = await h.stop();
    this.log.info({ sent: stats.sent, failed: stats.failed }, 'load generator stopped');
    return stats;
  }
}
