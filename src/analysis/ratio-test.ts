import { logMeanExp } from './math.js';

/**
 * The sequential count test behind the default analysis, used for errors and for slow requests alike.
 *
 * It conditions on the events (errors) that occur: if the canary is exactly as good as the baseline, each event
 * lands in the canary with probability equal to the canary's share of requests, whatever shared trend (a daily
 * cycle, an incident) moves both rates. Under a rate ratio ρ the probability is q(ρ) = ρπ / (ρπ + 1 − π). The state
 * keeps, for a fixed grid of ratios, the log-likelihood of everything seen so far; a mixture of likelihood ratios
 * against ρ = 1 is an e-value (a nonnegative supermartingale under "canary no worse"), so by Ville's inequality it
 * crosses 1/alpha with probability at most alpha however often it is looked at. The slow-request test mixes against
 * ρ0 = 1 + latencyTolerance instead ("canary no worse than the tolerance allows"; see {@link makeGrid}).
 *
 * The same likelihoods give an anytime-valid upper confidence bound on ρ (each grid ratio ρ0 is tested against the
 * ratios below it), which is how "healthy" is shown.
 */

/** JSON state of one count test. Fixed size: nothing grows with the number of batches. */
export interface RatioTestState {
  /** Log-likelihood of every grid ratio given the events so far. */
  ll: number[];
  /** Decayed recent canary / baseline requests: the share for batches too small to measure it on their own. */
  poolCanary: number;
  poolBaseline: number;
  /** The canary share used for the last batch with events. */
  share: number | null;
  /**
   * Counts held back at the very start, [canary requests, canary events, baseline requests, baseline events],
   * until there are enough requests to measure a share on: they are then judged together, as one batch.
   */
  pending: [number, number, number, number] | null;
  /** Cached readings, recomputed only when events arrive (the likelihoods change only then). */
  logE: number;
  /** Upper confidence bound on the rate ratio; null when unbounded. */
  upper: number | null;
  /** ln of the e-value against "ratio ≥ 1 + tolerance". */
  logTolerance: number;
}

/** The grid and which grid points each e-value mixes over; built once per test of an analyzer. */
export interface RatioGrid {
  ratios: number[];
  logRatios: number[];
  /**
   * Index of the null ratio ρ0 the rollback e-value tests against: "the canary's rate is at most ρ0 × the
   * baseline's". 1 for errors; 1 + latencyTolerance for slow requests.
   */
  nullIndex: number;
  /** Alternatives of the rollback mixture ({@link ROLLBACK_RATIOS} × ρ0) and ln of their weights. */
  rollback: number[];
  rollbackLogWeights: number[];
  /** For each grid index, the alternatives below it that test "ρ ≥ ratios[i]". */
  below: number[][];
  /** The logarithms of the last share seen on this grid (see {@link shareTerms}); a cache, not state. */
  terms: ShareTerms;
}

/**
 * The canary share that decides where an error "should" land under "no difference" is measured on the current
 * batch together with recent batches, the recent ones counting for at most this many requests: a large batch
 * speaks for itself (exact conditioning on its own counts), a batch of one request leans on its neighbours
 * (one request says nothing about the split, but an error in it still carries evidence).
 */
const POOL_WEIGHT = 200;
/** Requests over which the pooled counts forget, so they follow weight changes between steps. */
const POOL_MEMORY = 2000;
/** A batch whose split is this many standard deviations off the pool restarts the pool (a weight step). */
const POOL_RESET_Z = 4;
/** Smallest batch that can trigger that restart. */
const POOL_RESET_MIN = 20;
/** Requests gathered before the first share is measured (one or two requests say nothing about the split). */
const POOL_START = 20;

/**
 * The alternatives the rollback e-value mixes, and their weights. A component of weight v costs ln(1/v) nats of
 * evidence, a gap between components costs drift; chosen with the benchmark (docs/analysis.md). The heavy weight
 * on 1000 lets a crash roll back on its third error at w = 10 % even when the measured share at that moment is
 * as high as 0.17 (a share measured on ~30 requests is that noisy); the rest stay within ~1.4× the floor N* for
 * 2–100× regressions.
 */
export const ROLLBACK_RATIOS = [3, 6, 12, 30, 100, 1000];
export const ROLLBACK_WEIGHTS = [0.13, 0.13, 0.13, 0.13, 0.13, 0.35];

/**
 * Grid of ratios 2^(k/2) from 1/8 to 1024, the null ratio ρ0 and the rollback alternatives scaled by it, and any
 * extra ratios (the tolerances) that must be tested exactly. `mixture` replaces the rollback alternatives by these
 * ratios (all above ρ0), equally weighted: for events too frequent to become many times more frequent (requests
 * past a bound near the baseline's median are about half of them).
 *
 * Why the alternatives scale with ρ0: the rollback e-value then sees a canary k times past the null exactly as
 * the errors' test (ρ0 = 1) sees a canary k times worse, so its delays and its validity carry over. Valid under
 * every ρ ≤ ρ0: the likelihood ratio of a larger ratio against ρ0 is a supermartingale for all of them.
 */
export function makeGrid(extra: number[] = [], nullRatio = 1, mixture?: readonly number[]): RatioGrid {
  if (!(nullRatio >= 1) || !Number.isFinite(nullRatio)) throw new RangeError(`null ratio ${nullRatio} is not ≥ 1`);
  if (mixture?.some((r) => !(r > nullRatio))) throw new RangeError(`alternatives must lie above ${nullRatio}`);
  const alternatives = mixture ? [...mixture] : ROLLBACK_RATIOS.map((r) => r * nullRatio);
  const weights = mixture ? mixture.map(() => 1 / mixture.length) : ROLLBACK_WEIGHTS;
  const set = new Set<number>();
  for (let k = -6; k <= 20; k++) set.add(2 ** (k / 2));
  for (const r of [nullRatio, ...alternatives, ...extra]) {
    if (![...set].some((s) => Math.abs(s - r) < 1e-9)) set.add(r);
  }
  const ratios = [...set].sort((a, b) => a - b);
  const index = (r: number): number => ratios.findIndex((s) => Math.abs(s - r) < 1e-9);
  const below = ratios.map((r0) => ratios.flatMap((r, j) => (r <= r0 / 1.2 && r >= r0 / 8 ? [j] : [])));
  return {
    ratios,
    logRatios: ratios.map(Math.log),
    nullIndex: index(nullRatio),
    rollback: alternatives.map(index),
    rollbackLogWeights: weights.map(Math.log),
    below,
    terms: { share: NaN, logShare: 0, logRest: 0, logMix: new Float64Array(0) },
  };
}

/** Index of a ratio that {@link makeGrid} was asked to include. */
export function gridIndex(grid: RatioGrid, ratio: number): number {
  const i = grid.ratios.findIndex((s) => Math.abs(s - ratio) < 1e-9);
  if (i < 0) throw new RangeError(`ratio ${ratio} is not on the grid`);
  return i;
}

/** How a test reads its likelihoods: the tolerance tested for "healthy" and the level of the bounds. */
export interface RatioReadout {
  toleranceIndex: number;
  /**
   * Weight of one event in the likelihoods (1/errorClusterSize; 1 when absent). Groups of up to 1/temper events
   * hitting one version together then keep the likelihood ratios supermartingales: for a group of s events and
   * s·temper ≤ 1, E[LR^(s·temper)] ≤ E[LR]^(s·temper) = 1 (Jensen).
   */
  temper?: number;
  /** ln(1/alpha) for the confidence bound and the tolerance test. */
  logThreshold: number;
}

export function initialRatioTest(grid: RatioGrid): RatioTestState {
  return {
    ll: grid.ratios.map(() => 0),
    poolCanary: 0,
    poolBaseline: 0,
    share: null,
    pending: null,
    logE: 0,
    upper: null,
    logTolerance: 0,
  };
}

/**
 * Folds one batch in: `canaryEvents` of `canaryN` canary requests, `baselineEvents` of `baselineN` baseline ones.
 * Returns a new state (the input is not modified).
 */
export function updateRatioTest(
  grid: RatioGrid,
  r: RatioReadout,
  s: RatioTestState,
  canaryEvents: number,
  canaryN: number,
  baselineEvents: number,
  baselineN: number,
): RatioTestState {
  if (canaryN + baselineN === 0) return s;
  const next = { ...s };
  foldRatioTest(grid, r, next, canaryEvents, canaryN, baselineEvents, baselineN, true);
  return next;
}

/**
 * {@link updateRatioTest} in place: modifies `s` (and its `ll` array). For owners of a state no one else sees
 * (`chimera analyze` keeps one per stream): a million batches then allocate almost nothing.
 */
export function updateRatioTestInPlace(
  grid: RatioGrid,
  r: RatioReadout,
  s: RatioTestState,
  canaryEvents: number,
  canaryN: number,
  baselineEvents: number,
  baselineN: number,
): void {
  if (canaryN + baselineN === 0) return;
  foldRatioTest(grid, r, s, canaryEvents, canaryN, baselineEvents, baselineN, false);
}

/** The update itself, on a state the caller may modify; `copyLl` when `ll` is shared with an older state. */
function foldRatioTest(
  grid: RatioGrid,
  r: RatioReadout,
  s: RatioTestState,
  canaryEvents: number,
  canaryN: number,
  baselineEvents: number,
  baselineN: number,
  copyLl: boolean,
): void {
  if (s.pending) {
    canaryN += s.pending[0];
    canaryEvents += s.pending[1];
    baselineN += s.pending[2];
    baselineEvents += s.pending[3];
  }
  const n = canaryN + baselineN;
  if (s.poolCanary + s.poolBaseline === 0 && n < POOL_START) {
    s.pending = [canaryN, canaryEvents, baselineN, baselineEvents];
    return;
  }
  let poolC = s.poolCanary;
  let poolB = s.poolBaseline;
  const pooled = poolC + poolB;
  if (pooled > 0 && n >= POOL_RESET_MIN) {
    const p = poolC / pooled;
    if (Math.abs(canaryN - n * p) > POOL_RESET_Z * (Math.sqrt(n * p * (1 - p)) + 1)) {
      // The split moved (a new step): forget the old share rather than mis-attribute this step's errors.
      poolC = 0;
      poolB = 0;
    }
  }
  const weight = Math.min(1, POOL_WEIGHT / Math.max(1, poolC + poolB));
  const share = (canaryN + weight * poolC) / (n + weight * (poolC + poolB));
  const decay = Math.exp(-n / POOL_MEMORY);
  s.poolCanary = poolC * decay + canaryN;
  s.poolBaseline = poolB * decay + baselineN;
  s.pending = null;
  const k = canaryEvents + baselineEvents;
  // A share of 0 or 1 means the batch cannot tell the versions apart: the events carry no evidence.
  if (k === 0 || share <= 0 || share >= 1) return;
  const terms = shareTerms(grid, share);
  const logShare = terms.logShare;
  const logRest = terms.logRest;
  const logMix = terms.logMix;
  const ll = copyLl ? s.ll.slice() : s.ll;
  const temper = r.temper ?? 1;
  for (let j = 0; j < ll.length; j++) {
    ll[j]! += temper * (canaryEvents * (grid.logRatios[j]! + logShare) + baselineEvents * logRest - k * logMix[j]!);
  }
  s.ll = ll;
  s.share = share;
  s.logE = logRollbackEValue(grid, s);
  const upper = ratioUpperBound(grid, s, r.logThreshold);
  s.upper = Number.isFinite(upper) ? upper : null;
  s.logTolerance = logBelowEValue(grid, s, r.toleranceIndex);
}

/** The logarithms a batch's update needs that depend only on the grid and the share. */
interface ShareTerms {
  share: number;
  logShare: number;
  logRest: number;
  /** ln(ρ·share + 1 − share) for each grid ratio ρ. */
  logMix: Float64Array;
}

// The grid keeps the terms of the last share seen on it: streams at a steady weight (and streams at the same
// weight) keep measuring the same share, and then the ~35 logarithms per update are the same numbers.
function shareTerms(grid: RatioGrid, share: number): ShareTerms {
  if (grid.terms.share === share) return grid.terms;
  const logMix = new Float64Array(grid.ratios.length);
  for (let j = 0; j < logMix.length; j++) logMix[j] = Math.log(grid.ratios[j]! * share + 1 - share);
  grid.terms = { share, logShare: Math.log(share), logRest: Math.log(1 - share), logMix };
  return grid.terms;
}

/** ln of the rollback e-value: the weighted mixture of the rollback ratios against the null ratio ρ0. */
export function logRollbackEValue(grid: RatioGrid, s: RatioTestState): number {
  let max = -Infinity;
  for (let k = 0; k < grid.rollback.length; k++)
    max = Math.max(max, s.ll[grid.rollback[k]!]! + grid.rollbackLogWeights[k]!);
  let sum = 0;
  for (let k = 0; k < grid.rollback.length; k++)
    sum += Math.exp(s.ll[grid.rollback[k]!]! + grid.rollbackLogWeights[k]! - max);
  return max + Math.log(sum) - s.ll[grid.nullIndex]!;
}

/** ln of the e-value against "ρ ≥ ratios[i]" (mixing the ratios below it). */
export function logBelowEValue(grid: RatioGrid, s: RatioTestState, i: number): number {
  const alt = grid.below[i]!;
  return alt.length === 0 ? 0 : logMeanExp(s.ll, alt) - s.ll[i]!;
}

/**
 * Anytime-valid upper bound on the rate ratio: the grid point above the largest ratio not yet rejected
 * (Infinity when even 1024 stands).
 */
export function ratioUpperBound(grid: RatioGrid, s: RatioTestState, logThreshold: number): number {
  const ll = s.ll;
  for (let i = grid.ratios.length - 1; i >= 0; i--) {
    // Most ratios far above the bound are rejected by a wide margin, which the largest term alone shows: the mean
    // of exp(ll) over the alternatives is at least exp(max) / count. Only when that lower bound falls short (with
    // room for rounding) is the mixture computed, so the answer is the one the full computation gives.
    const alt = grid.below[i]!;
    if (alt.length > 0) {
      let max = -Infinity;
      for (let k = 0; k < alt.length; k++) if (ll[alt[k]!]! > max) max = ll[alt[k]!]!;
      const low = max - Math.log(alt.length) - ll[i]!;
      if (low - 1e-9 * (1 + Math.abs(max) + Math.abs(ll[i]!)) >= logThreshold) continue;
    }
    if (logBelowEValue(grid, s, i) < logThreshold) {
      return i === grid.ratios.length - 1 ? Infinity : grid.ratios[i + 1]!;
    }
  }
  return grid.ratios[0]!;
}
