import type { Phase } from '../core/rollout.js';
import type { StoredEvent } from '../ports/store.js';

/** An event as both SQL stores keep it (one table, the same columns, SQLite and Postgres alike). */
export interface EventRow {
  rollout_id: string;
  seq: number;
  type: string;
  from_phase: string | null;
  to_phase: string | null;
  reason: string;
  data: string;
  at: number;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  const event: StoredEvent = {
    rolloutId: row.rollout_id,
    seq: row.seq,
    type: row.type,
    reason: row.reason,
    data: JSON.parse(row.data) as StoredEvent['data'],
    at: row.at,
  };
  if (row.from_phase !== null) event.from = row.from_phase as Phase;
  if (row.to_phase !== null) event.to = row.to_phase as Phase;
  return event;
}
