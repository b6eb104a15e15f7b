/**
 * How fast a crash could be rolled back by a test that also reads the versions of the successes (not built; see
 * "What it would take" in docs/analysis.md). Exact, no simulation:
 *
 *   npx tsx bench/analysis/crash-label-limit.ts [w=0.1]
 *
 * The test: under "no difference" a request's version is independent of its outcome whatever shared trend moves
 * the error rate, so given the outcomes the versions are independent draws with the canary share π. A crash sends
 * every success to the baseline and every canary request fails, so after k canary requests (all failed) and m
 * baseline ones (all served) the e-value "versions follow the outcomes" against "versions independent of them", with
 * π unknown (universal inference: the denominator maximised over π), is 1 / max_π π^k (1 − π)^m. It rolls back once
 * weight × that ≥ 1/α_errors. Requests arrive one at a time, each the canary's with probability w; the expected
 * number of failed requests at the rollback is summed exactly over the (k, m) paths.
 */

import { ALPHA_GUARDS } from '../../src/analysis/sequential-setup.js';
import { ALPHA, P0 } from './scenarios.js';
import { floorN } from './stats.js';

const w = Number(process.argv[2] ?? 0.1);
if (!(w > 0 && w < 1)) throw new RangeError(`w must be in (0, 1), got ${process.argv[2]}`);
// The error test's share of α without latency histograms (the benchmark's streams have none).
const ALPHA_ERRORS = ALPHA * (1 - ALPHA_GUARDS);

/** ln max over π of π^k (1 − π)^m. */
function logMaxLikelihood(k: number, m: number): number {
  if (k === 0 || m === 0) return 0;
  const p = k / (k + m);
  return k * Math.log(p) + m * Math.log(1 - p);
}

/** Expected failed requests when rolling back as soon as the e-value reaches 1/level (level = weight × α). */
function expectedFailed(level: number): number {
  const logLevel = Math.log(level);
  // Probability of each still-running state, by canary count k, after `step` requests (m = step − k).
  let running = new Map<number, number>([[0, 1]]);
  let failed = 0;
  for (let step = 1; running.size > 0 && step < 100_000; step++) {
    const next = new Map<number, number>();
    for (const [k, p] of running) {
      for (const [k2, q] of [
        [k + 1, w],
        [k, 1 - w],
      ] as const) {
        const m2 = step - k2;
        if (k2 > 0 && logMaxLikelihood(k2, m2) <= logLevel + 1e-12) failed += p * q * k2;
        else if (p * q > 1e-15) next.set(k2, (next.get(k2) ?? 0) + p * q);
      }
    }
    running = next;
  }
  return failed;
}

// N* for a crash beside a 0.1 % baseline, as run.ts computes it: eta is measured against it.
const floor = floorN(P0, 1, w, ALPHA);
const rows = [0.15, 0.2, 0.25, 0.35, 0.5, 0.65, 1].map((weight) => {
  const f = expectedFailed(weight * ALPHA_ERRORS);
  return { weight, failed: Math.round(f * 1000) / 1000, eta: Math.round((f / floor) * 1000) / 1000 };
});
console.log(JSON.stringify({ w, alphaErrors: ALPHA_ERRORS, rows }, null, 2));
console.log('\n| weight on the crash | failed requests (mean) | eta |\n| --- | --- | --- |');
for (const r of rows) console.log(`| ${r.weight} | ${r.failed} | ${r.eta} |`);
