import type { Database, Statement } from 'better-sqlite3';
import type { LogEntry, RolloutState } from '../../core/rollout.js';
import { ConflictError, NotFoundError, ProviderError } from '../../errors.js';
import type { RolloutFilter, Store, StoredEvent } from '../../ports/store.js';
import { migrate } from './migrations.js';
import { toStoredEvent, type EventRow } from '../event-row.js';

interface RolloutRow {
  state: string;
}

/** How long a writer waits for another process's write lock before giving up (SQLITE_BUSY). */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * The embedded store: one SQLite file in WAL mode, so readers (the CLI's `status`, a dashboard) never block
 * the controller's writes and a crash at any instant keeps every committed transaction. better-sqlite3 is
 * synchronous; each call is short and the async signature only matches the port.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly stmt: {
    insertRollout: Statement;
    updateRollout: Statement;
    revisionOf: Statement<[string], { revision: number }>;
    getRollout: Statement<[string], RolloutRow>;
    lastSeq: Statement<[string], { seq: number | null }>;
    insertEvent: Statement;
    events: Statement<[string, number], EventRow>;
    getValue: Statement<[string], { value: string }>;
    setValue: Statement;
    deleteValue: Statement;
    insertValueIfAbsent: Statement;
    replaceValueIf: Statement;
    deleteValueIf: Statement;
  };

  constructor(private readonly db: Database) {
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // FULL syncs every commit, so a decision written before its effect survives power loss too (NORMAL in WAL
    // mode only survives a process crash). The controller writes a few rows per step: the cost is irrelevant.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    this.stmt = {
      insertRollout: db.prepare(
        `INSERT INTO rollouts (id, service, phase, state, revision, created_at, updated_at)
         VALUES (@id, @service, @phase, @state, @revision, @createdAt, @updatedAt)`,
      ),
      updateRollout: db.prepare(
        `UPDATE rollouts SET phase = @phase, state = @state, revision = @revision, updated_at = @updatedAt
         WHERE id = @id AND revision = @expected`,
      ),
      revisionOf: db.prepare('SELECT revision FROM rollouts WHERE id = ?'),
      getRollout: db.prepare('SELECT state FROM rollouts WHERE id = ?'),
      lastSeq: db.prepare('SELECT MAX(seq) AS seq FROM events WHERE rollout_id = ?'),
      insertEvent: db.prepare(
        `INSERT INTO events (rollout_id, seq, type, from_phase, to_phase, reason, data, at)
         VALUES (@rolloutId, @seq, @type, @from, @to, @reason, @data, @at)`,
      ),
      events: db.prepare('SELECT * FROM events WHERE rollout_id = ? AND seq > ? ORDER BY seq'),
      getValue: db.prepare('SELECT value FROM kv WHERE key = ?'),
      setValue: db.prepare(
        `INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      deleteValue: db.prepare('DELETE FROM kv WHERE key = ?'),
      // Each compare-and-set is one conditional statement: SQLite runs a statement atomically against other
      // connections and processes, so the comparison and the write cannot be split by another writer.
      insertValueIfAbsent: db.prepare(
        'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
      ),
      replaceValueIf: db.prepare('UPDATE kv SET value = ?, updated_at = ? WHERE key = ? AND value = ?'),
      deleteValueIf: db.prepare('DELETE FROM kv WHERE key = ? AND value = ?'),
    };
  }

  create(state: RolloutState, log: LogEntry[]): Promise<void> {
    return this.run(() =>
      this.db
        .transaction(() => {
          if (this.stmt.revisionOf.get(state.id)) throw new ConflictError(`rollout ${state.id} already exists`);
          this.stmt.insertRollout.run(rolloutParams(state));
          this.append(state.id, log);
        })
        .immediate(),
    );
  }

  save(state: RolloutState, log: LogEntry[]): Promise<void> {
    return this.run(() =>
      // IMMEDIATE takes the write lock before reading the revision, so the check and the write are one step
      // even when another process writes the same file.
      this.db
        .transaction(() => {
          const row = this.stmt.revisionOf.get(state.id);
          if (!row) throw new NotFoundError(`rollout ${state.id} does not exist`);
          if (state.revision !== row.revision + 1) {
            throw new ConflictError(
              `rollout ${state.id} was changed by someone else: stored revision ${row.revision}, ` +
                `this write has ${state.revision} (expected ${row.revision + 1})`,
            );
          }
          this.stmt.updateRollout.run({ ...rolloutParams(state), expected: row.revision });
          this.append(state.id, log);
        })
        .immediate(),
    );
  }

  get(id: string): Promise<RolloutState | undefined> {
    return this.run(() => {
      const row = this.stmt.getRollout.get(id);
      return row ? (JSON.parse(row.state) as RolloutState) : undefined;
    });
  }

  list(filter: RolloutFilter = {}): Promise<RolloutState[]> {
    return this.run(() => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.service !== undefined) {
        where.push('service = ?');
        params.push(filter.service);
      }
      if (filter.phases !== undefined) {
        if (filter.phases.length === 0) return [];
        where.push(`phase IN (${filter.phases.map(() => '?').join(', ')})`);
        params.push(...filter.phases);
      }
      const limit = filter.limit !== undefined && filter.limit >= 0 ? ` LIMIT ${Math.floor(filter.limit)}` : '';
      const sql =
        `SELECT state FROM rollouts${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
        ` ORDER BY created_at DESC, rowid DESC${limit}`;
      const rows = this.db.prepare<unknown[], RolloutRow>(sql).all(...params);
      return rows.map((r) => JSON.parse(r.state) as RolloutState);
    });
  }

  events(rolloutId: string, afterSeq = 0): Promise<StoredEvent[]> {
    return this.run(() => this.stmt.events.all(rolloutId, afterSeq).map(toStoredEvent));
  }

  getValue(key: string): Promise<string | undefined> {
    return this.run(() => this.stmt.getValue.get(key)?.value);
  }

  setValue(key: string, value: string | undefined): Promise<void> {
    return this.run(() => {
      if (value === undefined) this.stmt.deleteValue.run(key);
      else this.stmt.setValue.run(key, value, Date.now());
    });
  }

  compareAndSet(key: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    return this.run(() => {
      if (expected === undefined) {
        if (next === undefined) return this.stmt.getValue.get(key) === undefined;
        return this.stmt.insertValueIfAbsent.run(key, next, Date.now()).changes === 1;
      }
      if (next === undefined) return this.stmt.deleteValueIf.run(key, expected).changes === 1;
      return this.stmt.replaceValueIf.run(next, Date.now(), key, expected).changes === 1;
    });
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  /** Appends entries after the last stored seq; inside the caller's transaction. */
  private append(rolloutId: string, log: LogEntry[]): void {
    let seq = this.stmt.lastSeq.get(rolloutId)?.seq ?? 0;
    for (const entry of log) {
      seq += 1;
      this.stmt.insertEvent.run({
        rolloutId,
        seq,
        type: entry.type,
        from: entry.from ?? null,
        to: entry.to ?? null,
        reason: entry.reason,
        data: JSON.stringify(entry.data ?? {}),
        at: entry.at,
      });
    }
  }

  /** Runs a synchronous database call as a promise; SQLite failures become ProviderErrors, ours pass through. */
  private run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('SQLITE_')) {
        const retriable = err.code.startsWith('SQLITE_BUSY') || err.code.startsWith('SQLITE_LOCKED');
        return Promise.reject(new ProviderError(`sqlite: ${err.message}`, 'sqlite', retriable, { cause: err }));
      }
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

function rolloutParams(state: RolloutState): Record<string, unknown> {
  return {
    id: state.id,
    service: state.service,
    phase: state.phase,
    state: JSON.stringify(state),
    revision: state.revision,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}
