import type { Pool, PoolClient } from 'pg';
import type { LogEntry, RolloutState } from '../../core/rollout.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RolloutFilter, Store, StoredEvent } from '../../ports/store.js';
import { toChimeraError, type PgTarget } from './errors.js';
import { toStoredEvent, type EventRow } from '../event-row.js';

/**
 * The shared store: the same contract as the SQLite one on a Postgres database, so several Chimera replicas
 * see one set of rollouts. Writes that must be atomic are single conditional statements or transactions that
 * lock the rollout's row first (`SELECT ... FOR UPDATE`), so the revision check, the state write and the
 * gap-free event numbering happen as one step whichever replica writes. Works at READ COMMITTED, the default.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly target: PgTarget,
    private readonly password: string | undefined,
    private readonly log: Logger,
  ) {}

  create(state: RolloutState, log: LogEntry[]): Promise<void> {
    return this.tx(async (c) => {
      // A concurrent create of the same id waits on the primary key until the first commits, then inserts nothing.
      const inserted = await c.query(
        `INSERT INTO rollouts (id, service, phase, state, revision, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
        [state.id, state.service, state.phase, JSON.stringify(state), state.revision, state.createdAt, state.updatedAt],
      );
      if (inserted.rowCount !== 1) throw new ConflictError(`rollout ${state.id} already exists`);
      await append(c, state.id, 0, log);
    });
  }

  save(state: RolloutState, log: LogEntry[]): Promise<void> {
    return this.tx(async (c) => {
      // The row lock serialises writers of one rollout across replicas; the loser then sees the new revision.
      const { rows } = await c.query<{ revision: number }>('SELECT revision FROM rollouts WHERE id = $1 FOR UPDATE', [
        state.id,
      ]);
      const row = rows[0];
      if (!row) throw new NotFoundError(`rollout ${state.id} does not exist`);
      if (state.revision !== row.revision + 1) {
        throw new ConflictError(
          `rollout ${state.id} was changed by someone else: stored revision ${row.revision}, ` +
            `this write has ${state.revision} (expected ${row.revision + 1})`,
        );
      }
      await c.query(`UPDATE rollouts SET phase = $2, state = $3, revision = $4, updated_at = $5 WHERE id = $1`, [
        state.id,
        state.phase,
        JSON.stringify(state),
        state.revision,
        state.updatedAt,
      ]);
      const last = await c.query<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE rollout_id = $1', [
        state.id,
      ]);
      await append(c, state.id, last.rows[0]?.seq ?? 0, log);
    });
  }

  get(id: string): Promise<RolloutState | undefined> {
    return this.query(async () => {
      const { rows } = await this.pool.query<{ state: string }>('SELECT state FROM rollouts WHERE id = $1', [id]);
      return rows[0] ? (JSON.parse(rows[0].state) as RolloutState) : undefined;
    });
  }

  list(filter: RolloutFilter = {}): Promise<RolloutState[]> {
    return this.query(async () => {
      if (filter.phases !== undefined && filter.phases.length === 0) return [];
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.service !== undefined) {
        params.push(filter.service);
        where.push(`service = $${params.length}`);
      }
      if (filter.phases !== undefined) {
        params.push(filter.phases);
        where.push(`phase = ANY($${params.length}::text[])`);
      }
      let limit = '';
      if (filter.limit !== undefined && filter.limit >= 0) {
        params.push(Math.floor(filter.limit));
        limit = ` LIMIT $${params.length}`;
      }
      const sql =
        `SELECT state FROM rollouts${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
        ` ORDER BY created_at DESC, ord DESC${limit}`;
      const { rows } = await this.pool.query<{ state: string }>(sql, params);
      return rows.map((r) => JSON.parse(r.state) as RolloutState);
    });
  }

  events(rolloutId: string, afterSeq = 0): Promise<StoredEvent[]> {
    return this.query(async () => {
      const { rows } = await this.pool.query<EventRow>(
        'SELECT * FROM events WHERE rollout_id = $1 AND seq > $2 ORDER BY seq',
        [rolloutId, afterSeq],
      );
      return rows.map(toStoredEvent);
    });
  }

  getValue(key: string): Promise<string | undefined> {
    return this.query(async () => {
      const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM kv WHERE key = $1', [key]);
      return rows[0]?.value;
    });
  }

  setValue(key: string, value: string | undefined): Promise<void> {
    return this.query(async () => {
      if (value === undefined) {
        await this.pool.query('DELETE FROM kv WHERE key = $1', [key]);
      } else {
        await this.pool.query(
          `INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
          [key, value, Date.now()],
        );
      }
    });
  }

  compareAndSet(key: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    // Each case is one statement. At READ COMMITTED a conditional UPDATE/DELETE that waited for a concurrent
    // writer re-checks its WHERE against the committed row, and INSERT ... DO NOTHING waits on the key, so of
    // two contenders from the same expected value exactly one changes a row.
    return this.query(async () => {
      if (expected === undefined) {
        if (next === undefined) {
          const { rowCount } = await this.pool.query('SELECT 1 FROM kv WHERE key = $1', [key]);
          return rowCount === 0;
        }
        const r = await this.pool.query(
          'INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING',
          [key, next, Date.now()],
        );
        return r.rowCount === 1;
      }
      if (next === undefined) {
        const r = await this.pool.query('DELETE FROM kv WHERE key = $1 AND value = $2', [key, expected]);
        return r.rowCount === 1;
      }
      const r = await this.pool.query('UPDATE kv SET value = $3, updated_at = $4 WHERE key = $1 AND value = $2', [
        key,
        expected,
        next,
        Date.now(),
      ]);
      return r.rowCount === 1;
    });
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end().catch((err: unknown) => {
      this.log.warn({ err: toChimeraError(err, this.target, this.password) }, 'postgres store: error while closing');
    });
    return this.closing;
  }

  /** Runs statements on a pooled connection; driver failures become Chimera errors naming host:port. */
  private async query<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toChimeraError(err, this.target, this.password);
    }
  }

  /** One transaction on one connection; rolled back on any error, ours included. */
  private tx(fn: (c: PoolClient) => Promise<void>): Promise<void> {
    return this.query(async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          await fn(client);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
            // The connection itself failed: do not hand it back to the pool.
            broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
          });
          throw err;
        }
      } finally {
        client.release(broken);
      }
    });
  }
}

/** Appends entries after `lastSeq`; inside the caller's transaction, which holds the rollout's row lock. */
async function append(c: PoolClient, rolloutId: string, lastSeq: number, log: LogEntry[]): Promise<void> {
  let seq = lastSeq;
  for (const entry of log) {
    seq += 1;
    await c.query(
      `INSERT INTO events (rollout_id, seq, type, from_phase, to_phase, reason, data, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        rolloutId,
        seq,
        entry.type,
        entry.from ?? null,
        entry.to ?? null,
        entry.reason,
        JSON.stringify(entry.data ?? {}),
        entry.at,
      ],
    );
  }
}
