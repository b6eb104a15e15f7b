import type { Database } from 'better-sqlite3';
import { ProviderError } from '../../errors.js';

/** One numbered schema change. Never edit a released migration: add the next number instead. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'rollouts, events, kv',
    sql: `
      CREATE TABLE rollouts (
        id         TEXT PRIMARY KEY,
        service    TEXT NOT NULL,
        phase      TEXT NOT NULL,
        state      TEXT NOT NULL,
        revision   INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX rollouts_by_service ON rollouts (service, created_at DESC);
      CREATE INDEX rollouts_by_phase ON rollouts (phase, created_at DESC);

      CREATE TABLE events (
        rollout_id TEXT NOT NULL REFERENCES rollouts (id),
        seq        INTEGER NOT NULL,
        type       TEXT NOT NULL,
        from_phase TEXT,
        to_phase   TEXT,
        reason     TEXT NOT NULL,
        data       TEXT NOT NULL,
        at         INTEGER NOT NULL,
        PRIMARY KEY (rollout_id, seq)
      ) WITHOUT ROWID;

      -- The log is evidence: once written, an event never changes or disappears.
      CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

      CREATE TABLE kv (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];

/**
 * Brings the schema up to date. Runs in one IMMEDIATE transaction so two processes opening the same file at
 * once apply each migration exactly once; refuses a database written by a newer Chimera rather than guessing.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new ProviderError(
        `database schema version ${current} is newer than this Chimera knows (${latest}); upgrade Chimera`,
        'sqlite',
        false,
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
    return latest;
  });
  return apply.immediate();
}
