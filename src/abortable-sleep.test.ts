import { afterEach, describe, expect, it, vi } from 'vitest';
import { sleepUnlessAborted } from './abortable-sleep.js';

describe('sleepUnlessAborted', () => {
  afterEach(() => vi.useRealTimers());

  it('waits the time, ends early and quietly on abort, and at once when already aborted', async () => {
    vi.useFakeTimers();
    let done = false;
    const waiting = sleepUnlessAborted(1_000, new AbortController().signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);

    const stop = new AbortController();
    const long = sleepUnlessAborted(60_000, stop.signal);
    stop.abort(new Error('stopped'));
    await expect(long).resolves.toBeUndefined();
    await expect(sleepUnlessAborted(60_000, stop.signal)).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});
