import type { PoolClient } from 'pg';
import { ProviderError } from '../../errors.js';

/** One numbered schema change. Never edit a released migration: add the next number instead. */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'rollouts, events, kv',
    // `ord` orders rollouts created in the same millisecond by insertion, as SQLite's rowid does. States and
    // event data are kept as the exact JSON text written (jsonb would reorder keys and drop duplicates).
    // Times are DOUBLE PRECISION: exact for millisecond timestamps, read back as numbers, like SQLite's columns.
    sql: `
      CREATE TABLE rollouts (
        id         TEXT PRIMARY KEY,
        ord        BIGSERIAL NOT NULL,
        service    TEXT NOT NULL,
        phase      TEXT NOT NULL,
        state      TEXT NOT NULL,
        revision   INTEGER NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
      );
      CREATE INDEX rollouts_by_created ON rollouts (created_at DESC, ord DESC);
      CREATE INDEX rollouts_by_service ON rollouts (service, created_at DESC, ord DESC);
      CREATE INDEX rollouts_by_phase ON rollouts (phase, created_at DESC, ord DESC);

      CREATE TABLE events (
        rollout_id TEXT NOT NULL REFERENCES rollouts (id),
        seq        INTEGER NOT NULL,
        type       TEXT NOT NULL,
        from_phase TEXT,
        to_phase   TEXT,
        reason     TEXT NOT NULL,
        data       TEXT NOT NULL,
        at         DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (rollout_id, seq)
      );

      -- The log is evidence: once written, an event never changes or disappears.
      CREATE FUNCTION chimera_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION chimera_events_append_only();
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION chimera_events_append_only();

      CREATE TABLE kv (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );
    `,
  },
];

/** Any fixed number: the advisory lock every replica takes while migrating (ASCII "chim"). */
const MIGRATION_LOCK = 0x6368696d;

/**
 * Brings the schema up to date in one transaction holding an advisory lock, so replicas starting together
 * apply each migration exactly once (the others wait, then find nothing to do). Refuses a database written by
 * a newer Chimera rather than guessing. Returns the schema version.
 */
export async function migratePg(
  client: PoolClient,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new ProviderError(
        `database schema version ${current} is newer than this Chimera knows (${latest}); upgrade Chimera`,
        'postgres',
        false,
      );
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
    }
    await client.query('COMMIT');
    return latest;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
