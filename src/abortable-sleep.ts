/**
 * Waits `ms`, or less when `signal` aborts: then it resolves at once instead of rejecting. For loops that poll
 * until they are stopped (watchers, leader terms, the follower feed), where a stop is the normal way out and
 * should not surface as an error. (`timers/promises`' setTimeout rejects on abort, which such a loop would have
 * to catch every time.)
 */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
