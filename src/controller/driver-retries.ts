import type { RolloutEvent } from '../core/rollout.js';
import type { PortEffect } from './effect-runner.js';

/**
 * The driver's retry bookkeeping, kept apart from its loop: which port effects wait to be tried again, and when.
 * Retriable failures back off exponentially (0.5 s doubling to 30 s): a router down for an hour must not write
 * two events a second into the rollout's log.
 */
export class RetryQueue {
  private readonly waiting: PortEffect[] = [];
  private failures = 0;
  private retryAt = 0;

  /** Records one effect's outcome (the events its run produced): a failure pushes the next retry further away. */
  settled(events: readonly RolloutEvent[], now: number): void {
    if (events.some((e) => e.type === 'effect-failed')) {
      this.failures += 1;
      this.retryAt = now + Math.min(30_000, 500 * 2 ** (this.failures - 1));
    } else {
      this.failures = 0;
    }
  }

  /**
   * Queues `effect` again when `event` is a retriable failure. One pending retry per kind of effect: the latest
   * request (e.g. the newest weight) is the one that matters.
   */
  note(effect: PortEffect, event: RolloutEvent): void {
    if (event.type !== 'effect-failed' || !event.retriable) return;
    const i = this.waiting.findIndex((r) => r.type === effect.type);
    if (i >= 0) this.waiting.splice(i, 1);
    this.waiting.push(effect);
  }

  /** The effects due for another try at `now` (removed from the queue), or none before the back-off ends. */
  takeDue(now: number): PortEffect[] {
    if (this.waiting.length === 0 || now < this.retryAt) return [];
    return this.waiting.splice(0);
  }
}
