import type { Store } from '../ports/store.js';

/** The store keys that remember which rollout a webhook delivery started, so a sender's retries start no other. */
const key = (id: string) => `trigger-delivery:${id}`;

export interface DeliveryRecord {
  rolloutId: string;
  at: number;
}

export async function remember(store: Store, id: string, record: DeliveryRecord): Promise<void> {
  await store.setValue(key(id), JSON.stringify(record));
}

export async function remembered(store: Store | undefined, id: string): Promise<DeliveryRecord | undefined> {
  const raw = await store?.getValue(key(id));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as DeliveryRecord;
  } catch {
    return undefined;
  }
}

const DELIVERY_INDEX = 'trigger-deliveries';
/** Bound on remembered deliveries whatever their age, so a flood of distinct ids cannot grow the store forever. */
const MAX_REMEMBERED = 10_000;

/**
 * Delivery ids are only needed while a sender may retry (twice the replay window). The store has no key listing, so
 * an index of (id, time) says which keys to delete once they are older than that. Runs inside the one-at-a-time
 * queue, so the index is never written by two deliveries at once in this process.
 */
export async function forgetOld(store: Store, id: string, at: number, keepMs: number): Promise<void> {
  let index: Array<[string, number]> = [];
  try {
    const raw = await store.getValue(DELIVERY_INDEX);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) index = parsed.filter((e): e is [string, number] => Array.isArray(e) && e.length === 2);
  } catch {
    // A damaged index only means older ids are forgotten later; start a new one.
  }
  index.push([id, at]);
  const keepFrom = index.findIndex(([, t]) => at - t <= keepMs);
  const drop = keepFrom === -1 ? index.length : Math.max(keepFrom, index.length - MAX_REMEMBERED);
  const kept = index.slice(drop);
  // An id delivered again later is remembered by its newer entry: keep its key.
  const keptIds = new Set(kept.map(([k]) => k));
  for (const [old] of index.slice(0, drop)) if (!keptIds.has(old)) await store.setValue(key(old), undefined);
  await store.setValue(DELIVERY_INDEX, JSON.stringify(kept));
}
