import type { LogEntry, RolloutState } from '../core/rollout.js';

export interface Notification {
  rollout: Pick<RolloutState, 'id' | 'service' | 'fromVersion' | 'toVersion' | 'phase' | 'weight' | 'reason'>;
  entry: LogEntry;
  /** Link to the rollout page on the dashboard, when a server URL is known. */
  url?: string;
}

/**
 * Tells people and tools what happened. A failing notifier never blocks a rollout: the controller logs the
 * error and moves on. Implementations bound their requests with timeouts and retry with backoff.
 */
export interface Notifier {
  readonly kind: string;
  /** Event types this destination wants (e.g. `rollback-started`); all when absent. */
  readonly events?: readonly string[];
  notify(notification: Notification, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
