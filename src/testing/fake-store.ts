import type { LogEntry, RolloutState } from '../core/rollout.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { RolloutFilter, Store, StoredEvent } from '../ports/store.js';

/** The data behind one or more FakeStore handles, like a database file behind several connections. */
export class FakeStoreData {
  readonly rollouts = new Map<string, { state: RolloutState; seq: number; insertedAt: number }>();
  readonly events = new Map<string, StoredEvent[]>();
  readonly values = new Map<string, string>();
  inserted = 0;
}

/**
 * An in-memory Store with the same contract as the SQLite one (it runs the same conformance suite): revision
 * checks, gap-free event numbering, newest-first listing. Values are copied in and out, so a caller mutating
 * a returned state cannot change what is stored, just as with a real database.
 *
 * @example
 * const data = new FakeStoreData();
 * const store = new FakeStore(data); // a second `new FakeStore(data)` sees the same rollouts
 */
export class FakeStore implements Store {
  readonly kind = 'fake';
  private closed = false;

  constructor(readonly data: FakeStoreData = new FakeStoreData()) {}

  create(state: RolloutState, log: LogEntry[]): Promise<void> {
    return this.op(() => {
      if (this.data.rollouts.has(state.id)) throw new ConflictError(`rollout ${state.id} already exists`);
      this.data.rollouts.set(state.id, { state: structuredClone(state), seq: 0, insertedAt: this.data.inserted++ });
      this.append(state.id, log);
    });
  }

  save(state: RolloutState, log: LogEntry[]): Promise<void> {
    return this.op(() => {
      const row = this.data.rollouts.get(state.id);
      if (!row) throw new NotFoundError(`rollout ${state.id} does not exist`);
      if (state.revision !== row.state.revision + 1) {
        throw new ConflictError(
          `rollout ${state.id} was changed by someone else: stored revision ${row.state.revision}, ` +
            `this write has ${state.revision} (expected ${row.state.revision + 1})`,
        );
      }
      row.state = structuredClone(state);
      this.append(state.id, log);
    });
  }

  get(id: string): Promise<RolloutState | undefined> {
    return this.op(() => {
      const row = this.data.rollouts.get(id);
      return row ? structuredClone(row.state) : undefined;
    });
  }

  list(filter: RolloutFilter = {}): Promise<RolloutState[]> {
    return this.op(() => {
      const rows = [...this.data.rollouts.values()]
        .filter((r) => filter.service === undefined || r.state.service === filter.service)
        .filter((r) => filter.phases === undefined || filter.phases.includes(r.state.phase))
        .sort((a, b) => b.state.createdAt - a.state.createdAt || b.insertedAt - a.insertedAt);
      const limited = filter.limit !== undefined && filter.limit >= 0 ? rows.slice(0, filter.limit) : rows;
      return limited.map((r) => structuredClone(r.state));
    });
  }

  events(rolloutId: string, afterSeq = 0): Promise<StoredEvent[]> {
    return this.op(() => (this.data.events.get(rolloutId) ?? []).filter((e) => e.seq > afterSeq).map(clone));
  }

  getValue(key: string): Promise<string | undefined> {
    return this.op(() => this.data.values.get(key));
  }

  setValue(key: string, value: string | undefined): Promise<void> {
    return this.op(() => {
      if (value === undefined) this.data.values.delete(key);
      else this.data.values.set(key, value);
    });
  }

  compareAndSet(key: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.op(() => {
      if (this.data.values.get(key) !== expected) return false;
      if (next === undefined) this.data.values.delete(key);
      else this.data.values.set(key, next);
      return true;
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private append(rolloutId: string, log: LogEntry[]): void {
    const row = this.data.rollouts.get(rolloutId)!;
    const list = this.data.events.get(rolloutId) ?? [];
    for (const entry of log) {
      row.seq += 1;
      list.push({ ...structuredClone(entry), rolloutId, seq: row.seq });
    }
    this.data.events.set(rolloutId, list);
  }

  private op<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('fake store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
