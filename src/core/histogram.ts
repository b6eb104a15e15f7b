import type { LatencyHistogram } from './measurement.js';

/** Observations in `now` not in `before` (same bucket bounds); a shrunken histogram means a reset: `now` itself. */
export function diffHistogram(now: LatencyHistogram, before?: LatencyHistogram): LatencyHistogram {
  if (!before || before.count > now.count || before.le.length !== now.le.length) return now;
  return {
    le: now.le,
    counts: now.counts.map((c, i) => Math.max(0, c - (before.counts[i] ?? 0))),
    count: now.count - before.count,
    sum: Math.max(0, now.sum - before.sum),
  };
}

/**
 * The q-quantile in ms, interpolated linearly inside its bucket as Prometheus' histogram_quantile does.
 * Undefined for an empty histogram; the largest finite bound when the quantile falls in the +Inf bucket.
 */
export function histogramQuantile(h: LatencyHistogram, q: number): number | undefined {
  if (h.count <= 0 || h.le.length === 0) return undefined;
  const rank = q * h.count;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < h.le.length; i++) {
    const bound = h.le[i]!;
    const count = h.counts[i]!;
    if (count >= rank) {
      if (!Number.isFinite(bound)) return prevBound;
      const inBucket = count - prevCount;
      return inBucket <= 0 ? bound : prevBound + ((bound - prevBound) * (rank - prevCount)) / inBucket;
    }
    prevBound = Number.isFinite(bound) ? bound : prevBound;
    prevCount = count;
  }
  return prevBound;
}
