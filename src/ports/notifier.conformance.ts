import { afterEach, describe, expect, it } from 'vitest';
import type { Notification, Notifier } from './notifier.js';

export interface NotifierHarness {
  notifier: Notifier;
  /** Notifications the destination received so far (as far as the harness can tell: their count). */
  received(): Promise<number>;
  /** Makes the destination refuse the next n deliveries with a retriable failure (5xx / throw). */
  failNext(n: number): void;
  cleanup?(): Promise<void>;
}

export function sampleNotification(type = 'rollback-started'): Notification {
  return {
    rollout: {
      id: 'checkout-1',
      service: 'checkout',
      fromVersion: 'v1',
      toVersion: 'v2',
      phase: 'rolling_back',
      weight: 0,
      reason: 'analysis found the canary worse',
    },
    entry: { type, reason: 'analysis found the canary worse: 5.1% errors vs 0.2%', data: { canaryErrors: 51 }, at: 1 },
    url: 'https://chimera.example/rollouts/checkout-1',
  };
}

/**
 * What every notifier does: delivers, retries a destination that fails for a while, gives up with an error
 * (which the controller logs) when it stays down, honours an aborted signal, and closes.
 */
export function describeNotifierConformance(name: string, setup: () => Promise<NotifierHarness>): void {
  describe(`Notifier conformance: ${name}`, () => {
    let h: NotifierHarness | undefined;
    afterEach(async () => {
      await h?.cleanup?.();
      await h?.notifier.close();
      h = undefined;
    });

    it('delivers a notification', async () => {
      h = await setup();
      await h.notifier.notify(sampleNotification(), AbortSignal.timeout(20_000));
      expect(await h.received()).toBe(1);
    });

    it('retries a destination that fails once', async () => {
      h = await setup();
      h.failNext(1);
      await h.notifier.notify(sampleNotification(), AbortSignal.timeout(20_000));
      expect(await h.received()).toBe(1);
    });

    it('rejects when the destination stays down', async () => {
      h = await setup();
      h.failNext(1000);
      await expect(h.notifier.notify(sampleNotification(), AbortSignal.timeout(20_000))).rejects.toThrow();
      expect(await h.received()).toBe(0);
    });

    it('rejects at once on an aborted signal', async () => {
      h = await setup();
      await expect(h.notifier.notify(sampleNotification(), AbortSignal.abort())).rejects.toThrow();
      expect(await h.received()).toBe(0);
    });
  });
}
