import { ConflictError } from '../errors.js';
import type { Store } from '../ports/store.js';

/** What a `change` returns when there is nothing to write. */
export const UNCHANGED = Symbol('unchanged');

/**
 * Read-modify-write of one key of the store's key/value area by compare-and-set. `change` gets the stored value
 * and returns the value to write (undefined deletes it) or {@link UNCHANGED}. When another writer sharing the
 * store got in between, the value is read and changed again, so neither update is lost; `change` must therefore
 * be safe to run more than once. After `attempts` lost races: a ConflictError naming `what`.
 */
export async function updateValue(
  store: Pick<Store, 'getValue' | 'compareAndSet'>,
  key: string,
  change: (stored: string | undefined) => string | undefined | typeof UNCHANGED,
  what: string,
  attempts = 50,
): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const stored = await store.getValue(key);
    const next = change(stored);
    if (next === UNCHANGED) return;
    if (await store.compareAndSet(key, stored, next)) return;
  }
  throw new ConflictError(`${what} kept changing under this process; try again`);
}
