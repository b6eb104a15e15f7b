import type { Notification, Notifier } from '../ports/notifier.js';

/**
 * In-memory notifier: keeps what it was sent. `failNext(n)` makes the next n calls throw (a destination that is
 * down), `hang()` makes calls wait until their signal aborts (a destination that never answers).
 */
export class FakeNotifier implements Notifier {
  readonly kind = 'fake';
  readonly events?: readonly string[];
  readonly sent: Notification[] = [];
  private failures = 0;
  private hanging = false;
  closed = false;

  constructor(events?: readonly string[]) {
    if (events && events.length > 0) this.events = [...events];
  }

  failNext(n = 1): void {
    this.failures = n;
  }

  hang(on = true): void {
    this.hanging = on;
  }

  async notify(notification: Notification, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.hanging) {
      await new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
      );
    }
    if (this.failures > 0) {
      this.failures--;
      throw new Error('fake destination is down');
    }
    this.sent.push(structuredClone(notification));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
