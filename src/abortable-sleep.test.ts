import { describe, expect, it } from 'vitest';
import { sleepUnlessAborted } from './abortable-sleep.js';

describe('sleepUnlessAborted', () => {
  it('waits the time, ends early and quietly on abort, and at once when already aborted', async () => {
    const t0 = performance.now();
    await sleepUnlessAborted(30, new AbortController().signal);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);

    const stop = new AbortController();
    const long = sleepUnlessAborted(60_000, stop.signal);
    stop.abort(new Error('stopped'));
    await expect(long).resolves.toBeUndefined();
    await expect(sleepUnlessAborted(60_000, stop.signal)).resolves.toBeUndefined();
  });
});
