import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ProviderError, errorMessage } from '../../errors.js';
import type { Store } from '../../ports/store.js';
import type { ProviderContext } from '../../providers/context.js';
import type { SqliteStoreConfig } from './config.js';

export const kind = 'sqlite';
export { sqliteStoreConfig, type SqliteStoreConfig } from './config.js';

/** A store serves every service, so it needs only the data folder and a logger from the provider context. */
export type StoreContext = Pick<ProviderContext, 'dataDir' | 'log'>;

/** Default database file name inside the data folder. */
export const DATABASE_FILE = 'chimera.db';

/**
 * Opens (creating and migrating as needed) the SQLite store.
 *
 * @example
 * const store = await createStore({ kind: 'sqlite' }, { dataDir: '.chimera', log });
 */
export async function createStore(config: SqliteStoreConfig, ctx: StoreContext): Promise<Store> {
  const file = path.resolve(ctx.dataDir, config.path ?? DATABASE_FILE);
  // Imported here, not at the top: a native module is only loaded when the store is actually used.
  const { default: Database } = await import('better-sqlite3');
  const { SqliteStore } = await import('./sqlite-store.js');
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      const store = new SqliteStore(db);
      ctx.log.debug({ file }, 'sqlite store open');
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw new ProviderError(`cannot open the SQLite store at ${file}: ${errorMessage(err)}`, 'sqlite', false, {
      cause: err,
    });
  }
}
