import { histogramQuantile } from '../../src/analysis/latency.js';
import { readLatencyTest, type LatencyTestState } from '../../src/analysis/latency-test.js';
import { rateShownBelow } from '../../src/analysis/math.js';
import { mannWhitneyGreater } from '../../src/analysis/mann-whitney.js';
import { resolveOptions, type AnalyzerOptions } from '../../src/analysis/options.js';
import { createSequentialAnalyzer } from '../../src/analysis/sequential.js';
import { ALPHA_LATENCY, ALPHA_MEDIAN } from '../../src/analysis/sequential-setup.js';
import type { CountsDelta, LatencyHistogram, Verdict } from '../../src/core/measurement.js';
import type { LatencyBatch, LatencyJudge } from './latency-sim.js';

/**
 * The latency analyzers compared side by side: ours (the default sequential analysis, fed histograms), a
 * Flagger-style fixed p99 check and a Kayenta-style Mann–Whitney comparison of per-minute p99s. Each contender
 * is a factory of fresh per-run judges.
 */
export interface LatencyContender {
  name: string;
  make: () => LatencyJudge;
}

/**
 * Ours, driven like the engine: 5 steps of at least `minStep` seconds, a step advancing on "healthy". With
 * `stop: false` the run goes on after the would-be promotion (validity runs watch the whole horizon).
 */
export function oursLatency(
  options: Partial<AnalyzerOptions> = {},
  stop = true,
  name = 'Chimera sequential (ours)',
  tightSlack = false,
  useHistory = false,
): LatencyContender {
  const o = resolveOptions(options);
  const analyzer = createSequentialAnalyzer(o);
  const latencyHealthy = (lat: LatencyTestState | null | false): boolean => {
    if (!lat) return false;
    const read = readLatencyTest(lat, {
      alphaRollback: o.alpha * ALPHA_LATENCY,
      alpha: o.alpha,
      tolerance: o.latencyTolerance,
      absoluteTolerance: o.latencyAbsoluteTolerance,
    });
    if (!tightSlack || !read.healthy || lat.test.logTolerance >= Math.log(1 / o.alpha)) return read.healthy;
    // The proposal measured beside the default: the absolute slack is at most the baseline's own slow share.
    const base = lat.baselineN > 0 ? lat.baselineSlow / lat.baselineN : 1;
    const limit = (1 + o.latencyTolerance) * base + Math.min(o.latencyAbsoluteTolerance, base);
    return rateShownBelow(lat.canarySlow, lat.canaryN, limit, o.alpha);
  };
  return {
    name,
    make: () => {
      let state = analyzer.initial();
      let step = 0;
      let stepStart = 0;
      let lastErrorsThreshold = Infinity;
      return {
        ...(useHistory ? { prime: (h: LatencyHistogram) => (state = analyzer.primeBaseline!(state, h)) } : {}),
        step(b) {
          const { state: next, decision } = analyzer.observe(state, b);
          state = next;
          lastErrorsThreshold = Number(decision.evidence.eThreshold ?? Infinity);
          let v = decision.verdict;
          // Only "healthy" changes under the proposal; rollbacks are the analyzer's own.
          if (tightSlack && v === 'healthy' && state.latency && !latencyHealthy(state.latency)) v = 'continue';
          if (v === 'healthy' && step < 5 && b.t - stepStart >= 60) {
            step++;
            stepStart = b.t;
            if (step === 5 && stop) return 'promoted';
          }
          return v;
        },
        cause() {
          if (state.errors.logE >= Math.log(lastErrorsThreshold) - 1e-9) return 'errors';
          // Which test crossed, from the shares of alpha the analyzer gives them (never to decide anything).
          const lat = state.latency;
          if (lat && lat.test.logE >= Math.log(1 / (o.alpha * ALPHA_LATENCY)) - 1e-9) return 'latency';
          const median = state.median;
          if (median && median.test.logE >= Math.log(1 / (o.alpha * ALPHA_MEDIAN)) - 1e-9) return 'latency';
          return 'guard';
        },
        latencyHealthy: () => latencyHealthy(state.latency),
        promotedAt: () => (step === 5 ? stepStart : null),
      };
    },
  };
}

interface Window {
  n: number;
  e: number;
  h: LatencyHistogram | null;
}

function add(w: Window, d: CountsDelta): Window {
  const h = d.latency;
  if (!h) return { n: w.n + d.requests, e: w.e + d.errors, h: w.h };
  const acc = w.h ?? { le: h.le, counts: h.le.map(() => 0), count: 0, sum: 0 };
  return {
    n: w.n + d.requests,
    e: w.e + d.errors,
    h: {
      le: acc.le,
      counts: acc.counts.map((x, i) => x + h.counts[i]!),
      count: acc.count + h.count,
      sum: acc.sum + h.sum,
    },
  };
}

/** Sums batches into fixed windows of `interval` seconds and calls `check` at each window's end. */
function windowed(
  interval: number,
  check: (canary: Window, control: Window, end: number) => Verdict | 'promoted',
): LatencyJudge {
  const empty = (): Window => ({ n: 0, e: 0, h: null });
  let c = empty();
  let k = empty();
  let next = interval;
  return {
    step(b: LatencyBatch) {
      c = add(c, b.canary);
      k = add(k, b.control);
      if (b.t + 1e-9 < next) return 'continue';
      const v = check(c, k, next);
      c = empty();
      k = empty();
      next += interval;
      return v;
    },
  };
}

/** PromQL's histogram_quantile over a window; null (NaN in Prometheus) when the window is empty. */
function p99(w: Window): number | null {
  return w.h && w.h.count > 0 ? histogramQuantile(w.h, 0.99) : null;
}

/**
 * Flagger's built-in checks as its tutorial sets them: every minute, request-success-rate ≥ 99 % and
 * request-duration (histogram_quantile(0.99) over the minute) ≤ `maxMs`; a window without data fails the check
 * (NaN). `threshold` failed checks roll back, 5 passed checks (10 → 50 % in steps of 10) promote. The first check
 * comes one interval after the start.
 */
export function flaggerLatency(threshold: number, name: string, maxMs?: number): LatencyContender {
  return {
    name,
    make: () => {
      let failed = 0;
      let passed = 0;
      let first = true;
      return windowed(60, (c) => {
        if (first) {
          first = false;
          return 'continue';
        }
        const q = p99(c);
        const ok = c.n > 0 && (c.n - c.e) / c.n >= 0.99 && q !== null && q <= (maxMs ?? 500);
        if (!ok && ++failed >= threshold) return 'rollback';
        if (ok && ++passed >= 5) return 'promoted';
        return 'continue';
      });
    },
  };
}

/**
 * Kayenta as documented: a baseline deployment the size of the canary (the `control` traffic), one metric —
 * the per-minute p99 — judged every hour by a one-sided Mann–Whitney test at 0.05 (minutes without data are
 * dropped, as Kayenta drops NaN); a failed judgment rolls back, three passes promote (3-hour lifetime).
 */
export function kayentaLatency(): LatencyContender {
  return {
    name: 'Kayenta (per-minute p99, 1 h)',
    make: () => {
      let canary: number[] = [];
      let control: number[] = [];
      let passes = 0;
      return windowed(60, (c, k, end) => {
        const qc = p99(c);
        const qk = p99(k);
        if (qc !== null && qk !== null) {
          canary.push(qc);
          control.push(qk);
        }
        if (Math.round(end) % 3600 !== 0) return 'continue';
        const p = mannWhitneyGreater(canary, control);
        canary = [];
        control = [];
        if (p < 0.05) return 'rollback';
        return ++passes >= 3 ? 'promoted' : 'continue';
      });
    },
  };
}
