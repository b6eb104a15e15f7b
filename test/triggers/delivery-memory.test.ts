import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { Store } from '../../src/ports/store.js';
import { openStore } from '../../src/store/index.js';
import { forgetOld, remember, remembered } from '../../src/triggers/delivery-memory.js';

const MINUTE = 60_000;

/** Delivery ids are remembered in the real SQLite store while a sender may retry, and forgotten after. */
describe('remembered webhook deliveries', () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chimera-deliveries-'));
    store = await openStore(dir, silentLogger);
  });
  afterAll(async () => {
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function deliver(id: string, at: number): Promise<void> {
    await remember(store, id, { rolloutId: `r-${id}`, at });
    await forgetOld(store, id, at, 10 * MINUTE);
  }

  it('keeps ids inside the window and deletes older ones when a new delivery arrives', async () => {
    await deliver('a', 0);
    await deliver('b', 5 * MINUTE);
    expect(await remembered(store, 'a')).toEqual({ rolloutId: 'r-a', at: 0 });
    await deliver('c', 12 * MINUTE);
    expect(await remembered(store, 'a')).toBeUndefined();
    expect(await remembered(store, 'b')).toEqual({ rolloutId: 'r-b', at: 5 * MINUTE });
    expect(JSON.parse((await store.getValue('trigger-deliveries'))!)).toEqual([
      ['b', 5 * MINUTE],
      ['c', 12 * MINUTE],
    ]);
  });

  it('an id delivered again keeps its newer record when its older entry expires', async () => {
    await deliver('b', 20 * MINUTE);
    await deliver('d', 26 * MINUTE);
    expect(await remembered(store, 'b')).toEqual({ rolloutId: 'r-b', at: 20 * MINUTE });
    expect(await remembered(store, 'c')).toBeUndefined();
  });

  it('a damaged index is replaced, not fatal', async () => {
    await store.setValue('trigger-deliveries', '{not json');
    await deliver('e', 30 * MINUTE);
    expect(JSON.parse((await store.getValue('trigger-deliveries'))!)).toEqual([['e', 30 * MINUTE]]);
    expect(await remembered(store, 'e')).toMatchObject({ rolloutId: 'r-e' });
  });
});
