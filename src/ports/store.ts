import type { LogEntry, Phase, RolloutState } from '../core/rollout.js';

export interface StoredEvent extends LogEntry {
  rolloutId: string;
  /** Position in this rollout's log, from 1, without gaps. */
  seq: number;
}

export interface RolloutFilter {
  service?: string;
  phases?: Phase[];
  limit?: number;
}

/**
 * Rollouts and their append-only event logs. `save` writes the state and its new log entries in one
 * transaction, and refuses a state whose `revision` is not exactly one above the stored one
 * (ConflictError), so two writers can never silently overwrite each other.
 */
export interface Store {
  readonly kind: string;
  /** Insert a new rollout (revision 1) with its first log entries. ConflictError if the id exists. */
  create(state: RolloutState, log: LogEntry[]): Promise<void>;
  save(state: RolloutState, log: LogEntry[]): Promise<void>;
  get(id: string): Promise<RolloutState | undefined>;
  /** Newest first. */
  list(filter?: RolloutFilter): Promise<RolloutState[]>;
  /** Events with seq > afterSeq, oldest first. */
  events(rolloutId: string, afterSeq?: number): Promise<StoredEvent[]>;
  /** Small key/value area for settings, tokens, spec copies (namespaced keys). */
  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string | undefined): Promise<void>;
  /**
   * Atomically replaces the value of `key` only while it still equals `expected` (undefined = absent) and
   * says whether it did. `next` undefined deletes. Two writers racing from the same `expected` value: exactly
   * one gets `true`. This is what leases and shared indexes build on when several processes share the store.
   */
  compareAndSet(key: string, expected: string | undefined, next: string | undefined): Promise<boolean>;
  close(): Promise<void>;
}
