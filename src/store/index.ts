import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { createStore as createPostgresStore } from './postgres/index.js';
import { createStore as createSqliteStore } from './sqlite/index.js';

export type { StoreContext } from './sqlite/index.js';

/** Where the state lives besides the data folder. */
export interface OpenStoreOptions {
  /**
   * A Postgres URL (`postgres://user:password@host:5432/db`): the store several replicas share. Without it, or
   * empty, the store is SQLite at `<dataDir>/chimera.db`, which only processes on one host can share.
   */
  databaseUrl?: string | undefined;
  /** Connections this process may hold to Postgres (default 4). */
  poolSize?: number | undefined;
}

/**
 * Opens the store, created and migrated on first use: Postgres when `opts.databaseUrl` is given, else SQLite at
 * `<dataDir>/chimera.db`. The caller decides where the URL comes from (a `--database-url` flag, `DATABASE_URL`);
 * this function never reads the environment. A bad URL is a ConfigError with the password masked.
 *
 * @example
 * const store = await openStore('.chimera', log);
 * const shared = await openStore('.chimera', log, { databaseUrl: process.env.DATABASE_URL });
 */
export function openStore(dataDir: string, log: Logger, opts: OpenStoreOptions = {}): Promise<Store> {
  const url = opts.databaseUrl?.trim();
  if (url) {
    return createPostgresStore(
      { kind: 'postgres', url, ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}) },
      { dataDir, log },
    );
  }
  return createSqliteStore({ kind: 'sqlite' }, { dataDir, log });
}
