import { bernoulliKl, logGamma } from '../../src/analysis/math.js';

export function mean(xs: number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, x) => a + x, 0) / xs.length;
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function binomCdf(x: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return x >= n ? 1 : 0;
  let sum = 0;
  for (let k = 0; k <= x; k++) {
    sum += Math.exp(
      logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p),
    );
  }
  return sum;
}

/** Upper end of the two-sided 95 % Clopper–Pearson interval for x successes in n trials. */
export function clopperPearsonUpper(x: number, n: number): number {
  if (x >= n) return 1;
  let lo = x / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const m = (lo + hi) / 2;
    if (binomCdf(x, n, m) > 0.025) lo = m;
    else hi = m;
  }
  return hi;
}

/**
 * The floor: no test with false-rollback rate alpha can roll back, on average, before
 * N* = ln(1/alpha) / K canary requests, K = min_q [w·D(pc‖q) + (1−w)·D(p0‖q)] / w.
 */
export function floorN(p0: number, pc: number, w: number, alpha: number): number {
  const k = (q: number): number => (w * bernoulliKl(pc, q) + (1 - w) * bernoulliKl(p0, q)) / w;
  // Golden-section search for the minimum over q in (p0, pc) — the function is convex there.
  let a = p0;
  let b = Math.min(pc, 1 - 1e-12);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 200; i++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (k(c) < k(d)) b = d;
    else a = c;
  }
  return Math.log(1 / alpha) / k((a + b) / 2);
}
