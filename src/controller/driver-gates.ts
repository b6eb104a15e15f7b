import type { GatePoint, RolloutEvent, RolloutState } from '../core/rollout.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RolloutPorts } from './rollout-ports.js';

/**
 * The driver's gate runs, apart from its loop because they live on a different clock: a gate's hooks may wait
 * hours for an approval, so they run in the background and never hold up the loop. A blocking gate's outcome
 * waits here as a `gate-result` event until the loop's next cycle takes it; informational hooks (post-rollout,
 * rollback) are only logged, and the driver waits for them before it hands the rollout back.
 */
export class DriverGates {
  /** The blocking gate running now. */
  private running?: { point: GatePoint; stop: AbortController };
  private readonly results: RolloutEvent[] = [];
  private readonly informing = new Set<Promise<void>>();

  /** `wake` cuts the loop's pause short, so a gate's outcome is applied at once. */
  constructor(
    private readonly ports: Pick<RolloutPorts, 'gates'>,
    private readonly log: Logger,
    private readonly wake: () => void,
  ) {}

  /**
   * Runs a gate's hooks in the background; a blocking gate's result comes back as a `gate-result` event on the
   * next cycle. Without hooks configured (a plan from an older spec) the gate passes at once.
   */
  start(point: GatePoint, state: RolloutState, informational: boolean): void {
    const gates = this.ports.gates;
    if (!informational) {
      if (this.running?.point === point && !this.running.stop.signal.aborted) return;
      this.running?.stop.abort();
    }
    const stop = new AbortController();
    if (!informational) this.running = { point, stop };
    const work = (async () => {
      try {
        const out = gates
          ? await gates.run(point, state, stop.signal)
          : { passed: true, reason: 'no hooks configured', onFailure: 'rollback' as const };
        if (informational) {
          this.log.info({ point, passed: out.passed, reason: out.reason }, 'informational hook finished');
          return;
        }
        if (stop.signal.aborted) return;
        this.results.push({ type: 'gate-result', point, ...out });
        this.wake();
      } catch (err) {
        if (!stop.signal.aborted) this.log.warn({ point, err: errorMessage(err) }, 'gate failed to run');
      } finally {
        if (this.running?.stop === stop) this.running = undefined;
      }
    })();
    if (informational) {
      this.informing.add(work);
      void work.finally(() => this.informing.delete(work));
    }
  }

  /** The `gate-result` events that came back since the last call, oldest first (taken off the queue). */
  takeResults(): RolloutEvent[] {
    return this.results.splice(0);
  }

  /** The rollout left the gate (aborted, promoted by hand): stop its hooks. */
  dropStale(state: RolloutState): void {
    const g = state.gate;
    if (this.running && (g === undefined || g.point !== this.running.point || g.passed === true)) {
      this.running.stop.abort();
      this.running = undefined;
    }
  }

  /** Stops the blocking gate, then waits for the informational hooks to finish. */
  async close(): Promise<void> {
    this.running?.stop.abort();
    await Promise.allSettled([...this.informing]);
  }
}
