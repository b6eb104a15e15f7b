import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { FakeStore, FakeStoreData } from '../testing/fake-store.js';
import { UNCHANGED, updateValue } from './update-value.js';

describe('updateValue', () => {
  it('loses no update when writers sharing the store race, and writes nothing for UNCHANGED', async () => {
    const data = new FakeStoreData();
    const append = (store: FakeStore, n: number) =>
      updateValue(
        store,
        'list',
        (raw) => JSON.stringify([...(raw ? (JSON.parse(raw) as number[]) : []), n]),
        'the list',
      );
    await Promise.all(Array.from({ length: 20 }, (_, n) => append(new FakeStore(data), n)));
    const list = JSON.parse((await new FakeStore(data).getValue('list'))!) as number[];
    expect(list.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));

    let calls = 0;
    await updateValue(new FakeStore(data), 'list', () => (calls++, UNCHANGED), 'the list');
    expect(calls).toBe(1);
    await updateValue(new FakeStore(data), 'list', () => undefined, 'the list');
    expect(await new FakeStore(data).getValue('list')).toBeUndefined();
  });

  it('gives up with a ConflictError naming the value when every compare-and-set loses', async () => {
    // A race lost every time cannot be staged with a real store; this backend always loses it.
    const losing = { getValue: () => Promise.resolve('x'), compareAndSet: () => Promise.resolve(false) };
    await expect(updateValue(losing, 'k', () => 'y', 'the token index', 3)).rejects.toThrow(
      new ConflictError('the token index kept changing under this process; try again'),
    );
  });
});
