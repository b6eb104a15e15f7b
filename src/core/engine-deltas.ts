import type { CountsDelta, LatencyHistogram, VersionCounts } from './measurement.js';

/**
 * Differences between two cumulative readings of one version. Providers report totals that only grow while a
 * version runs; a total that went DOWN means the counter restarted (a restarted instance, a restarted proxy), so
 * the new reading itself is what was served since the restart.
 */
export function countsDelta(prev: VersionCounts, cur: VersionCounts): { delta: CountsDelta; reset: boolean } {
  const reset =
    cur.requests < prev.requests ||
    cur.errors < prev.errors ||
    (cur.latency !== undefined && prev.latency !== undefined && cur.latency.count < prev.latency.count);
  const requests = reset ? cur.requests : cur.requests - prev.requests;
  const errors = reset ? cur.errors : cur.errors - prev.errors;
  // Request and error counters are read at slightly different instants by scraping back-ends; never report more
  // errors than requests in one interval.
  const delta: CountsDelta = { requests, errors: Math.min(errors, requests) };
  const latency = reset ? cur.latency : histogramDelta(prev.latency, cur.latency);
  if (latency) delta.latency = latency;
  if (cur.quantiles) delta.quantiles = { ...cur.quantiles };
  return { delta, reset };
}

/**
 * Bucket-wise difference. Without a previous histogram with the same buckets there is no honest difference, so
 * none is reported (the analyzer then has counts only for this interval).
 */
function histogramDelta(prev: LatencyHistogram | undefined, cur: LatencyHistogram | undefined) {
  if (!cur || !prev) return undefined;
  if (prev.le.length !== cur.le.length || prev.le.some((b, i) => b !== cur.le[i])) return undefined;
  if (prev.counts.length !== cur.counts.length) return undefined;
  const counts = cur.counts.map((c, i) => c - (prev.counts[i] ?? 0));
  if (counts.some((c) => c < 0)) return { ...cur, le: [...cur.le], counts: [...cur.counts] };
  return { le: [...cur.le], counts, count: cur.count - prev.count, sum: Math.max(0, cur.sum - prev.sum) };
}

/** Counts a provider could not have meant: negative, fractional nonsense like NaN, or missing. */
export function invalidCounts(c: VersionCounts | undefined): string | undefined {
  if (!c) return 'missing counts';
  if (!validCount(c.requests)) return `invalid request count ${String(c.requests)}`;
  if (!validCount(c.errors)) return `invalid error count ${String(c.errors)}`;
  if (c.latency) {
    const h = c.latency;
    const ok =
      Array.isArray(h.le) &&
      Array.isArray(h.counts) &&
      validCount(h.count) &&
      Number.isFinite(h.sum) &&
      h.counts.every(validCount);
    if (!ok) return 'invalid latency histogram';
  }
  return undefined;
}

function validCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}
