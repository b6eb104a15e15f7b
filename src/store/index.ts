import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { createStore } from './sqlite/index.js';

export type { StoreContext } from './sqlite/index.js';

/**
 * The default store: SQLite at `<dataDir>/chimera.db`, created and migrated on first use.
 *
 * @example
 * const store = await openStore('.chimera', log);
 */
export function openStore(dataDir: string, log: Logger): Promise<Store> {
  return createStore({ kind: 'sqlite' }, { dataDir, log });
}
