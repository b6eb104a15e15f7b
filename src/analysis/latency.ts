import { histogramQuantile as interpolatedQuantile } from '../core/histogram.js';
import type { CountsDelta, LatencyHistogram } from '../core/measurement.js';

/**
 * Latency helpers. The sequential latency test counts "slow" requests — slower than a threshold fixed once from
 * the baseline's own histogram (its p99 bucket bound by default) — and runs the same conditional count test as the
 * errors on them. Bucket bounds are used as they are: a threshold between bounds would need interpolation, which
 * a histogram cannot support honestly.
 */

/** A histogram with matching, increasing bounds and non-decreasing cumulative counts. */
export function isValidHistogram(h: LatencyHistogram | undefined): h is LatencyHistogram {
  if (!h || !Array.isArray(h.le) || !Array.isArray(h.counts) || h.le.length !== h.counts.length) return false;
  if (!Number.isFinite(h.count) || h.count < 0) return false;
  let prevLe = -Infinity;
  let prevCount = 0;
  for (let i = 0; i < h.le.length; i++) {
    const le = h.le[i]!;
    const c = h.counts[i]!;
    if (!(le > prevLe) || !(c >= prevCount) || c > h.count) return false;
    prevLe = le;
    prevCount = c;
  }
  return true;
}

/** Index of the bucket bound equal to `ms` (within a microsecond), or -1. */
export function boundIndex(h: LatencyHistogram, ms: number): number {
  for (let i = 0; i < h.le.length; i++) if (Math.abs(h.le[i]! - ms) < 1e-3) return i;
  return -1;
}

/** Observations slower than the bucket bound `ms`, or null when the histogram has no such bound. */
export function slowerThan(h: LatencyHistogram, ms: number): number | null {
  const i = boundIndex(h, ms);
  return i < 0 ? null : h.count - h.counts[i]!;
}

/**
 * The smallest finite bucket bound at or above the `quantile` of the observations, or null when the quantile
 * lies in the open-ended last bucket.
 */
export function quantileBound(h: LatencyHistogram, quantile: number): number | null {
  const need = quantile * h.count;
  for (let i = 0; i < h.le.length; i++) {
    if (Number.isFinite(h.le[i]!) && h.counts[i]! >= need) return h.le[i]!;
  }
  return null;
}

/**
 * The finite bucket bound whose cumulative share is nearest the quantile (below or above it); null when empty. For
 * the median test: the baseline's share past it stays near one half whatever the layout, where "the bound holding
 * the median" jumps from 50 % to a few percent when the median sits on a bound.
 */
export function nearestBound(h: LatencyHistogram, quantile: number): number | null {
  let best: number | null = null;
  let gap = Infinity;
  for (let i = 0; i < h.le.length; i++) {
    if (!Number.isFinite(h.le[i]!) || h.count <= 0) continue;
    const d = Math.abs(h.counts[i]! / h.count - quantile);
    if (d < gap) {
      gap = d;
      best = h.le[i]!;
    }
  }
  return best;
}

/** The smallest finite bucket bound at or above `ms`, or null. */
export function boundAtLeast(h: LatencyHistogram, ms: number): number | null {
  for (const le of h.le) if (Number.isFinite(le) && le >= ms * (1 - 1e-12)) return le;
  return null;
}

/** A quantile interpolated inside its bucket (see core/histogram.ts, shared with the CLI); null when empty. */
export function histogramQuantile(h: LatencyHistogram, quantile: number): number | null {
  return interpolatedQuantile(h, quantile) ?? null;
}

/** The p99 of one batch of one version: from its histogram, else from its own quantiles, else null. */
export function batchP99(d: CountsDelta): number | null {
  if (isValidHistogram(d.latency)) return histogramQuantile(d.latency, 0.99);
  return d.quantiles?.p99 ?? null;
}

/**
 * Adds the finite buckets of `h` into the running counts `acc` (JSON-safe: no Infinity bound is stored);
 * returns false when the finite bounds differ.
 */
export function addHistogram(acc: { le: number[]; counts: number[]; count: number }, h: LatencyHistogram): boolean {
  let j = 0;
  for (let i = 0; i < h.le.length; i++) {
    if (!Number.isFinite(h.le[i]!)) continue;
    if (j >= acc.le.length || Math.abs(acc.le[j]! - h.le[i]!) > 1e-3) return false;
    j++;
  }
  if (j !== acc.le.length) return false;
  j = 0;
  for (let i = 0; i < h.le.length; i++) if (Number.isFinite(h.le[i]!)) acc.counts[j++]! += h.counts[i]!;
  acc.count += h.count;
  return true;
}

/** Empty running counts with the finite bounds of `h`. */
export function emptyLike(h: LatencyHistogram): { le: number[]; counts: number[]; count: number } {
  const le = h.le.filter((x) => Number.isFinite(x));
  return { le, counts: le.map(() => 0), count: 0 };
}
