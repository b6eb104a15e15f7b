import { createAnalyzer } from '../../src/analysis/index.js';
import type { AnalyzerOptions } from '../../src/analysis/options.js';
import type { AnalysisBatch, Verdict } from '../../src/core/measurement.js';
import { simulate, type Judge, type RunResult } from '../../src/testing/analysis-sim.js';
import type { Setting } from './scenarios.js';

/**
 * The analyzers compared side by side. Each is a factory of per-run judges plus the batch interval it wants:
 * ours looks at every small batch; the emulations of other tools only act on their own check interval, so they
 * are fed 5-second batches and aggregate them.
 */
export interface Contender {
  name: string;
  /** Batch interval (s) for a scenario of `rps` requests/s, canary share `w` and canary error rate `pc`. */
  dt: (rps: number, w: number, pc: number) => number;
  make: (truth: { p0: number; pc: number }) => Judge;
  /** False when it cannot run without knowing the truth (the oracle): skipped for healthy canaries. */
  realistic: boolean;
}

/** `n` seeded runs of a contender on a scenario, with its own batch interval unless `fixedDt` is given. */
export function runMany(c: Contender, s: Setting, n: number, seed0: number, fixedDt?: number): RunResult[] {
  const dt = fixedDt ?? c.dt(s.rps, s.share(0), Math.max(s.pc, 1e-9));
  const out: RunResult[] = [];
  for (let i = 0; i < n; i++) out.push(simulate({ ...s, dt }, c.make({ p0: s.p0, pc: s.pc }), seed0 + i));
  return out;
}

/**
 * Ours, driven like the engine drives it: a rollout of `steps` steps of at least `minStep` seconds; a step
 * advances on "healthy", the last one promotes. With `promote: false` it only watches (validity runs).
 */
export function ours(options: Partial<AnalyzerOptions> = {}, promote = true, steps = 5, minStep = 60): Contender {
  return {
    name: 'Chimera sequential (ours)',
    // About one canary error in ten batches, so the decision lands within a request or two of when it could.
    dt: (rps, w, pc) => Math.min(1, Math.max(0.001, 0.1 / (rps * w * pc))),
    realistic: true,
    make: () => {
      const a = createAnalyzer(options);
      let state = a.initial();
      let step = 0;
      let stepStart = 0;
      return {
        step(b: AnalysisBatch): Verdict | 'promoted' {
          const o = a.observe(state, b);
          state = o.state;
          const v = o.decision.verdict;
          if (promote && v === 'healthy' && b.t - stepStart >= minStep) {
            step++;
            stepStart = b.t;
            if (step === steps) return 'promoted';
          }
          return v;
        },
      };
    },
  };
}

/** Sums batches into fixed windows ending at multiples of `interval` seconds, and calls `check` at each end. */
function windowed(
  interval: number,
  check: (c: { n: number; e: number }, b: { n: number; e: number }, end: number) => Verdict | 'promoted',
): Judge {
  let c = { n: 0, e: 0 };
  let b = { n: 0, e: 0 };
  let next = interval;
  return {
    step(batch) {
      c = { n: c.n + batch.canary.requests, e: c.e + batch.canary.errors };
      b = { n: b.n + batch.baseline.requests, e: b.e + batch.baseline.errors };
      if (batch.t + 1e-9 < next) return 'continue';
      const v = check(c, b, next);
      c = { n: 0, e: 0 };
      b = { n: 0, e: 0 };
      next += interval;
      return v;
    },
  };
}

// The emulated tools act once a minute or slower: 5-second batches are fine-grained enough for them.
const fiveSeconds = (): number => 5;

/**
 * Flagger: every `interval` the canary's request success rate over that interval must be ≥ 99 %; a window
 * without requests is a failed check too (Flagger reads NaN as failure). `threshold` failed checks roll back;
 * each passed check adds stepWeight up to maxWeight (5 passes with the tutorial's 10/50), then it promotes.
 * The first check comes one interval after the canary starts (Flagger's initialisation interval).
 */
export function flagger(threshold: number, name: string): Contender {
  return {
    name,
    dt: fiveSeconds,
    realistic: true,
    make: () => {
      let failed = 0;
      let passed = 0;
      let first = true;
      return windowed(60, (c) => {
        if (first) {
          first = false;
          return 'continue';
        }
        const ok = c.n > 0 && (c.n - c.e) / c.n >= 0.99;
        if (!ok && ++failed >= threshold) return 'rollback';
        if (ok && ++passed >= 5) return 'promoted';
        return 'continue';
      });
    },
  };
}

/**
 * Argo Rollouts' docs example: every 5 minutes the whole service's success rate (both versions together) must be
 * ≥ 95 %; the 3rd failed measurement aborts. No data is inconclusive (not counted). It promotes after 4 passing
 * measurements (20 minutes of steps).
 */
export function argo(): Contender {
  return {
    name: 'Argo Rollouts docs example',
    dt: fiveSeconds,
    realistic: true,
    make: () => {
      let failed = 0;
      let passed = 0;
      return windowed(300, (c, b) => {
        const n = c.n + b.n;
        if (n === 0) return 'inconclusive';
        if ((n - c.e - b.e) / n < 0.95) return ++failed >= 3 ? 'rollback' : 'continue';
        return ++passed >= 4 ? 'promoted' : 'continue';
      });
    },
  };
}

/**
 * The original Chimera: every 60 s, more than `maxFailures` canary 5xx in the last minute rolls back; no data
 * counts as healthy; ten 10 % shifts a minute apart, then one minute at 100 %, then promote (11 minutes).
 */
export function seed(maxFailures = 10): Contender {
  return {
    name: `original Chimera (maxFailures ${maxFailures}/min)`,
    dt: fiveSeconds,
    realistic: true,
    make: () => {
      let checks = 0;
      return windowed(60, (c) => {
        if (c.e > maxFailures) return 'rollback';
        return ++checks >= 11 ? 'promoted' : 'continue';
      });
    },
  };
}

/**
 * Kayenta as its docs advise: 1-hour judgments, each a Mann–Whitney test on the per-minute error rates of
 * canary vs baseline (nominal 0.05), over a 3-hour lifetime; a failed judgment rolls back, three passes promote.
 */
export function kayenta(): Contender {
  return {
    name: 'Kayenta (1 h judgments, 3 h lifetime)',
    dt: fiveSeconds,
    realistic: true,
    make: () => {
      const a = createAnalyzer({ mode: 'compare', compareWindow: 60, alpha: 0.05, minRequests: 1 });
      let state = a.initial();
      let passes = 0;
      return windowed(60, (c, b, end) => {
        const o = a.observe(state, {
          t: end,
          canary: { requests: c.n, errors: c.e },
          baseline: { requests: b.n, errors: b.e },
        });
        state = o.state;
        if (o.decision.verdict === 'rollback') return 'rollback';
        if (o.decision.reason.includes('passed') && ++passes >= 3) return 'promoted';
        return 'continue';
      });
    },
  };
}

/**
 * The oracle SPRT: knows both true error rates and tests the canary's requests one by one (Wald), rolling back
 * at likelihood ratio ≥ 1/alpha. No real analyzer can know the rates; it marks the one-sample floor.
 */
export function oracle(alpha = 0.01): Contender {
  return {
    name: 'oracle SPRT (knows both rates)',
    dt: (rps, w, pc) => Math.min(1, Math.max(0.001, 0.1 / (rps * w * pc))),
    realistic: false,
    make: ({ p0, pc }) => {
      let llr = 0;
      const up = Math.log(pc / p0);
      const down = Math.log((1 - pc) / (1 - p0));
      return {
        step(b) {
          llr += b.canary.errors * up + (b.canary.requests - b.canary.errors) * (pc >= 1 ? 0 : down);
          return llr >= Math.log(1 / alpha) ? 'rollback' : 'continue';
        },
      };
    },
  };
}
