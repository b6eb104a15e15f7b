/**
 * Small numeric helpers for the analyzers: log-gamma, log-mean-exp and anytime-valid bounds on a Bernoulli rate.
 * Everything here is allocation-free so an analyzer stays cheap per batch.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error around 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** x·ln(y), with 0·ln(0) = 0. */
export function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

/** Bernoulli Kullback–Leibler divergence D(p‖q) in nats. */
export function bernoulliKl(p: number, q: number): number {
  return xlogy(p, p / q) + xlogy(1 - p, (1 - p) / (1 - q));
}

// The mixing prior of the rate confidence sequence. Jeffreys' Beta(½, ½) puts enough mass near 0 for the small
// error rates canaries have, and its cost over a known-rate test grows only like ½·ln(n).
const PRIOR_A = 0.5;
const PRIOR_B = 0.5;
const LOG_B_PRIOR = logBeta(PRIOR_A, PRIOR_B);

/**
 * ln of the beta-binomial mixture e-value against "the rate is exactly `u`" after `x` events in `n` trials.
 * A nonnegative martingale under that null, so by Ville's inequality it exceeds 1/alpha with probability ≤ alpha,
 * however often it is looked at: the set of `u` where it stays below 1/alpha is an anytime-valid confidence sequence.
 */
export function logRateEValue(x: number, n: number, u: number): number {
  return logBeta(x + PRIOR_A, n - x + PRIOR_B) - LOG_B_PRIOR - xlogy(x, u) - xlogy(n - x, 1 - u);
}

/**
 * Anytime-valid bounds on a Bernoulli rate from `x` events in `n` trials: the confidence sequence
 * `{u : E(u) < 1/alpha}` of {@link logRateEValue}, solved by bisection (30 steps: finer than any rate shown).
 */
export function rateBounds(x: number, n: number, alpha: number): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  // The mixture term does not depend on u: compute it once, so each bisection step costs two logarithms.
  const target = Math.log(1 / alpha) - (logBeta(x + PRIOR_A, n - x + PRIOR_B) - LOG_B_PRIOR);
  const crosses = (u: number): boolean => -xlogy(x, u) - xlogy(n - x, 1 - u) >= target;
  const mid = x / n;
  let upper = 1;
  if (mid < 1 && crosses(1 - 1e-15)) {
    let lo = mid;
    let hi = 1;
    for (let i = 0; i < 30; i++) {
      const m = (lo + hi) / 2;
      if (crosses(m)) hi = m;
      else lo = m;
    }
    upper = hi;
  }
  let lower = 0;
  if (mid > 0 && crosses(1e-15)) {
    let lo = 0;
    let hi = mid;
    for (let i = 0; i < 30; i++) {
      const m = (lo + hi) / 2;
      if (crosses(m)) lo = m;
      else hi = m;
    }
    lower = lo;
  }
  return { lower, upper };
}

/**
 * The upper end of {@link rateBounds} alone, by Newton's method on the convex log e-value (about six steps
 * instead of thirty bisections: it runs for every decision).
 */
export function rateUpper(x: number, n: number, alpha: number): number {
  if (n <= 0 || x >= n) return 1;
  const target = Math.log(1 / alpha) - (logBeta(x + PRIOR_A, n - x + PRIOR_B) - LOG_B_PRIOR);
  const g = (u: number): number => -xlogy(x, u) - xlogy(n - x, 1 - u) - target;
  const mid = x / n;
  const top = 1 - 1e-12;
  if (g(top) < 0) return 1;
  // Start right of the root where the function is increasing; Newton then converges monotonically from above
  // (the function is convex), and a start left of the root overshoots to the right after one step.
  let u = Math.min(top, mid + Math.sqrt((2 * mid * (1 - mid) * (target + 2)) / n) + (2 * (target + 2)) / n);
  for (let i = 0; i < 40; i++) {
    const gu = g(u);
    const slope = -x / u + (n - x) / (1 - u);
    if (slope <= 0) {
      u = (u + top) / 2;
      continue;
    }
    const next = Math.min(top, Math.max(mid + 1e-15, u - gu / slope));
    if (Math.abs(next - u) <= 1e-12 * Math.max(u, 1e-9)) return next;
    u = next;
  }
  return u;
}

/**
 * True when the rate confidence sequence at level `alpha` lies entirely below `limit` after `x` of `n`
 * (one evaluation instead of solving for the bound).
 */
export function rateShownBelow(x: number, n: number, limit: number, alpha: number): boolean {
  if (n <= 0 || limit >= 1) return n > 0;
  return x / n < limit && logRateEValue(x, n, limit) >= Math.log(1 / alpha);
}

/** True when the rate confidence sequence at level `alpha` lies entirely above `limit`. */
export function rateShownAbove(x: number, n: number, limit: number, alpha: number): boolean {
  if (n <= 0 || limit <= 0) return n > 0 && x > 0 && limit <= 0;
  return x / n > limit && logRateEValue(x, n, limit) >= Math.log(1 / alpha);
}

/** ln( (1/k)·Σ exp(v[i]) ) over the given indices, computed without overflow. */
export function logMeanExp(values: readonly number[], indices: readonly number[]): number {
  let max = -Infinity;
  for (const i of indices) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const i of indices) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum / indices.length);
}
