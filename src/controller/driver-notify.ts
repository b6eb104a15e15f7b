import type { LogEntry, RolloutState } from '../core/rollout.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Notifier } from '../ports/notifier.js';

/**
 * Sends one log entry to every notifier that wants its type. Fire and forget, apart from the driver's loop on
 * purpose: notifications never block or fail a rollout, and a failed one is only a warning in the process log.
 */
export function notifyAll(
  notifiers: readonly Notifier[],
  r: RolloutState,
  entry: LogEntry,
  rolloutUrl: ((id: string) => string | undefined) | undefined,
  log: Logger,
): void {
  for (const n of notifiers) {
    if (n.events && !n.events.includes(entry.type)) continue;
    const rollout = {
      id: r.id,
      service: r.service,
      fromVersion: r.fromVersion,
      toVersion: r.toVersion,
      phase: r.phase,
      weight: r.weight,
      reason: r.reason,
    };
    const url = rolloutUrl?.(r.id);
    n.notify({ rollout, entry, ...(url ? { url } : {}) }, AbortSignal.timeout(30_000)).catch((err: unknown) =>
      log.warn({ notifier: n.kind, err: errorMessage(err) }, 'notification failed'),
    );
  }
}
