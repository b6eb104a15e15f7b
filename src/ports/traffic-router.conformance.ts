import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { VersionStatus } from './platform.js';
import type { TrafficRouter } from './traffic-router.js';

/** What a router implementation hands the suite. */
export interface RouterHarness {
  router: TrafficRouter;
  /** A stable and a canary version with endpoints (or refs) this router can point at. */
  stable: VersionStatus;
  canary: VersionStatus;
  /** Closes the router and removes what the setup created. */
  cleanup(): Promise<void>;
}

const signal = (): AbortSignal => AbortSignal.timeout(30_000);

/**
 * The TrafficRouter contract, run by the in-memory fake and by every real router. One harness serves the whole
 * suite (real routers may start processes); each test sets the state it starts from.
 */
export function describeRouterConformance(name: string, setup: () => Promise<RouterHarness>): void {
  describe(`TrafficRouter conformance: ${name}`, () => {
    let h: RouterHarness;
    const both = () => ({ stable: h.stable, canary: h.canary });

    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    it('given both versions, when reconciled, then the routes name them', async () => {
      await h.router.reconcile(both(), signal());
      const r = await h.router.getRoutes(signal());
      expect(r.stableVersion ?? h.stable.version).toBe(h.stable.version);
      expect(r.canaryVersion ?? h.canary.version).toBe(h.canary.version);
      expect(r.canaryWeight).toBeGreaterThanOrEqual(0);
      expect(r.canaryWeight).toBeLessThanOrEqual(100);
    });

    it.each([0, 1, 50, 100, 0])('when the weight is set to %d, then getRoutes reads it back', async (w) => {
      await h.router.reconcile(both(), signal());
      await h.router.setWeight(w, signal());
      expect((await h.router.getRoutes(signal())).canaryWeight).toBe(w);
    });

    it('when reconciled again, then the current weight is kept', async () => {
      await h.router.reconcile(both(), signal());
      await h.router.setWeight(30, signal());
      await h.router.reconcile(both(), signal());
      expect((await h.router.getRoutes(signal())).canaryWeight).toBe(30);
    });

    it('when every call is repeated, then the result is the same (idempotent)', async () => {
      await h.router.reconcile(both(), signal());
      await h.router.reconcile(both(), signal());
      await h.router.setWeight(50, signal());
      await h.router.setWeight(50, signal());
      const r = await h.router.getRoutes(signal());
      expect(r.canaryWeight).toBe(50);
      expect(r.stableVersion ?? h.stable.version).toBe(h.stable.version);
    });

    it.each([-1, 101, Number.NaN, Number.POSITIVE_INFINITY])(
      'when the weight %s is asked, then it is rejected with a ConfigError and nothing changes',
      async (bad) => {
        await h.router.reconcile(both(), signal());
        await h.router.setWeight(20, signal());
        await expect(h.router.setWeight(bad, signal())).rejects.toBeInstanceOf(ConfigError);
        expect((await h.router.getRoutes(signal())).canaryWeight).toBe(20);
      },
    );

    it('when the signal is already aborted, then the call rejects and nothing changes', async () => {
      await h.router.reconcile(both(), signal());
      await h.router.setWeight(10, signal());
      const aborted = AbortSignal.abort();
      await expect(h.router.setWeight(60, aborted)).rejects.toThrow();
      expect((await h.router.getRoutes(signal())).canaryWeight).toBe(10);
    });

    it('when finalized on the stable version (rollback), then 100% goes to stable', async () => {
      await h.router.reconcile(both(), signal());
      await h.router.setWeight(50, signal());
      await h.router.finalize(h.stable, signal());
      await h.router.finalize(h.stable, signal()); // idempotent
      const r = await h.router.getRoutes(signal());
      expect(r.canaryWeight).toBe(0);
      expect(r.stableVersion ?? h.stable.version).toBe(h.stable.version);
      expect(r.canaryVersion).toBeUndefined();
    });

    it('when finalized on the canary version (promotion), then 100% goes to it', async () => {
      await h.router.reconcile(both(), signal());
      await h.router.setWeight(100, signal());
      const promoted: VersionStatus = { ...h.canary, role: 'stable' };
      await h.router.finalize(promoted, signal());
      const r = await h.router.getRoutes(signal());
      expect(r.canaryWeight).toBe(0);
      expect(r.stableVersion ?? h.canary.version).toBe(h.canary.version);
      expect(r.canaryVersion).toBeUndefined();
    });
  });
}
