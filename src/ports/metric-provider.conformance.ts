import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement, VersionCounts } from '../core/measurement.js';
import { ProviderError } from '../errors.js';
import type { MetricProvider, MetricQuery } from './metric-provider.js';

/** Requests (and how many of them fail with a 5xx) to send to one version. */
export interface Traffic {
  requests: number;
  errors: number;
}

/** What a metric provider implementation hands the suite. */
export interface MetricHarness {
  provider: MetricProvider;
  /** The query the suite measures with (service and both versions). */
  query: MetricQuery;
  /**
   * Makes the back-end count this traffic — real requests through a proxy, or counts written to the back-end —
   * and resolves once the provider can see it (after a scrape, for scraping back-ends).
   */
  drive(traffic: { stable?: Traffic; canary?: Traffic }): Promise<void>;
  /** Makes the back-end unreachable (stops it). Called last. */
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

const signal = (): AbortSignal => AbortSignal.timeout(30_000);

function counts(m: Measurement, role: 'stable' | 'canary'): VersionCounts {
  if (m.phase !== 'ok') throw new Error(`expected phase ok, got ${m.phase}: ${m.reason}`);
  return m[role];
}

/**
 * The MetricProvider contract, run by the in-memory fake and by every real provider: cumulative per-version
 * counts that grow by exactly what was served, measurements as values (never exceptions for data problems),
 * and `online` failing when the back-end is down.
 */
export function describeMetricProviderConformance(name: string, setup: () => Promise<MetricHarness>): void {
  describe(`MetricProvider conformance: ${name}`, () => {
    let h: MetricHarness;
    const measure = (): Promise<Measurement> => h.provider.measure({ ...h.query, now: h.query.now + 1 }, signal());

    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    it('given a running back-end, then online() resolves', async () => {
      await expect(h.provider.online(signal())).resolves.toBeUndefined();
    });

    it('given no traffic yet, then a reading is ok or no-data, never an error', async () => {
      const m = await measure();
      expect(['ok', 'no-data']).toContain(m.phase);
      if (m.phase !== 'ok') expect(m.reason).not.toBe('');
    });

    it('when traffic is served, then each version grows by exactly what it served', async () => {
      await h.drive({ stable: { requests: 1, errors: 0 }, canary: { requests: 1, errors: 0 } });
      const before = await measure();
      await h.drive({ stable: { requests: 12, errors: 1 }, canary: { requests: 7, errors: 3 } });
      const after = await measure();
      for (const [role, t] of [
        ['stable', { requests: 12, errors: 1 }],
        ['canary', { requests: 7, errors: 3 }],
      ] as const) {
        expect(counts(after, role).requests - counts(before, role).requests).toBe(t.requests);
        expect(counts(after, role).errors - counts(before, role).errors).toBe(t.errors);
      }
    });

    it('when readings are repeated, then counts never go down', async () => {
      let prev = await measure();
      for (let i = 0; i < 3; i++) {
        await h.drive({ canary: { requests: 2, errors: i % 2 } });
        const next = await measure();
        for (const role of ['stable', 'canary'] as const) {
          expect(counts(next, role).requests).toBeGreaterThanOrEqual(counts(prev, role).requests);
          expect(counts(next, role).errors).toBeGreaterThanOrEqual(counts(prev, role).errors);
          expect(counts(next, role).errors).toBeLessThanOrEqual(counts(next, role).requests);
        }
        prev = next;
      }
    });

    it('when a latency histogram is reported, then it is cumulative and counts every request', async () => {
      const m = await measure();
      for (const role of ['stable', 'canary'] as const) {
        const { latency, requests } = counts(m, role);
        if (!latency) continue;
        expect(latency.counts).toHaveLength(latency.le.length);
        latency.counts.forEach((n, i) => i > 0 && expect(n).toBeGreaterThanOrEqual(latency.counts[i - 1]!));
        expect(latency.count).toBe(requests);
        expect(latency.sum).toBeGreaterThanOrEqual(0);
      }
    });

    it('when the back-end is unreachable, then measure returns phase error with a reason and online() fails', async () => {
      await h.stop();
      const m = await measure();
      expect(m.phase).toBe('error');
      if (m.phase === 'error') expect(m.reason.length).toBeGreaterThan(0);
      await expect(h.provider.online(signal())).rejects.toBeInstanceOf(ProviderError);
    });
  });
}
