import type { Controller } from './controller.js';
import { UNCHANGED, updateValue } from '../store/update-value.js';
import type { Store } from '../ports/store.js';

/** Key of the index in the store's key/value area: a JSON array of service names, sorted. */
export const SERVICE_INDEX_KEY = 'server:known-services';

/**
 * How many of the newest rollouts each listing also looks at. Rollouts of this server's controller reach the
 * index through its events; this window catches services that another process sharing the store (a local
 * `chimera run`) started meanwhile, at a fixed cost per request.
 */
export const RECENT_WINDOW = 20;

/**
 * Every service that has ever had a rollout in the store, kept as an index in the store's key/value area so that
 * listing services costs one query per service, whatever the number of rollouts. Names are only ever added.
 *
 * The index is filled from three places: the controller's state events (rollouts this server drives), the newest
 * rollouts at each listing (rollouts other processes start), and, once per store, a backfill over every rollout
 * recorded before the index existed (the only time all rollouts are read).
 */
export class ServiceIndex {
  private known?: Promise<Set<string>>;
  /** Writes are chained so two additions in this process never overwrite each other. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store) {}

  /** Adds the services of rollouts `controller` drives as they appear. Returns the unsubscribe function. */
  follow(controller: Controller): () => void {
    const onState = (s: { service: string }): void => void this.add([s.service]).catch(() => undefined);
    controller.on('state', onState);
    return () => void controller.off('state', onState);
  }

  /** All known service names, sorted, including those of the newest rollouts. */
  async names(): Promise<string[]> {
    const recent = await this.store.list({ limit: RECENT_WINDOW });
    await this.add(recent.map((r) => r.service));
    const known = await this.load();
    // Another server sharing the store may have added names since this one loaded the index.
    for (const n of (await this.read()) ?? []) known.add(n);
    return [...known].sort();
  }

  /** Records names (persisted only when one is new). */
  async add(names: Iterable<string>): Promise<void> {
    const known = await this.load();
    const fresh = [...new Set(names)].filter((n) => !known.has(n));
    if (fresh.length === 0) return;
    for (const n of fresh) known.add(n);
    const write = this.writing.then(() => this.merge(known));
    this.writing = write.catch(() => undefined);
    try {
      await write;
    } catch (err) {
      // Not persisted: forget them here too, so the next sighting tries again.
      for (const n of fresh) known.delete(n);
      throw err;
    }
  }

  /**
   * Writes `known` merged with what the store holds, by compare-and-set: another server or process sharing the
   * store may add names at the same moment, and neither addition may be lost.
   */
  private async merge(known: Set<string>): Promise<void> {
    await updateValue(
      this.store,
      SERVICE_INDEX_KEY,
      (raw) => {
        const stored = parseIndex(raw) ?? [];
        const merged = new Set([...stored, ...known]);
        for (const n of stored) known.add(n);
        if (raw !== undefined && merged.size === stored.length) return UNCHANGED;
        return JSON.stringify([...merged].sort());
      },
      'the service index',
    );
  }

  private load(): Promise<Set<string>> {
    this.known ??= (async () => {
      const stored = await this.read();
      if (stored) return new Set(stored);
      // First use on this store: one pass over the rollouts recorded before the index existed.
      const all = new Set((await this.store.list()).map((r) => r.service));
      await this.merge(all);
      return all;
    })();
    // A failed load (store closed, I/O error) is retried by the next caller instead of being remembered.
    this.known.catch(() => (this.known = undefined));
    return this.known;
  }

  private async read(): Promise<string[] | undefined> {
    return parseIndex(await this.store.getValue(SERVICE_INDEX_KEY));
  }
}

/** The stored names; undefined when absent or damaged (a damaged index is rebuilt like a missing one). */
function parseIndex(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (Array.isArray(parsed)) return parsed.filter((n): n is string => typeof n === 'string');
  } catch {
    // Treated as absent.
  }
  return undefined;
}
