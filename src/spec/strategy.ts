import * as z from 'zod';
import { duration, percent } from './units.js';

/** Steps used when a spec gives neither `steps` nor `stepWeight`. */
export const DEFAULT_STEPS = [5, 10, 25, 50];

/** A canary weight at one step: above 0 and at most 100 percent. */
const weight = percent({ min: 0, max: 100, exclusiveMin: true });

/**
 * How traffic moves to the canary: an explicit list of weights, or `stepWeight` up to `maxWeight`.
 * Durations are milliseconds and weights percent after parsing.
 */
export const strategyConfig = z
  .strictObject({
    /** Canary weights (percent) of each step, strictly increasing. */
    steps: z.array(weight).min(1, { error: 'steps needs at least one weight' }).max(100).optional(),
    /** Weight added at each step (percent), up to `maxWeight`. */
    stepWeight: weight.optional(),
    /** Last step's weight (percent) when `stepWeight` is used; 50% when not given. */
    maxWeight: weight.optional(),
    /** Minimum time at each step (ms). */
    interval: duration().prefault('30s'),
    /** Minimum canary requests at each step. */
    minRequests: z.int().min(0).default(50),
    /** Time the canary has to become ready (ms). */
    deployTimeout: duration({ min: 1000 }).prefault('2m'),
    /** Longest a step waits for a conclusive analysis (ms) before `analysis.onInconclusive` applies. */
    stepDeadline: duration({ min: 1000 }).prefault('10m'),
  })
  .superRefine((s, ctx) => {
    if (s.steps && (s.stepWeight !== undefined || s.maxWeight !== undefined)) {
      const other = s.stepWeight !== undefined ? 'stepWeight' : 'maxWeight';
      ctx.addIssue({
        code: 'custom',
        path: [other],
        message: `give either 'steps' or 'stepWeight'/'maxWeight', not both`,
      });
    }
    s.steps?.forEach((w, i) => {
      const previous = s.steps?.[i - 1];
      if (previous !== undefined && w <= previous) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i],
          message: `steps must be strictly increasing: ${w}% comes after ${previous}%`,
        });
      }
    });
    if (s.maxWeight !== undefined && s.stepWeight === undefined && !s.steps) {
      ctx.addIssue({ code: 'custom', path: ['maxWeight'], message: `'maxWeight' needs 'stepWeight'` });
    }
    if (s.stepWeight !== undefined && s.maxWeight !== undefined && s.stepWeight > s.maxWeight) {
      ctx.addIssue({
        code: 'custom',
        path: ['stepWeight'],
        message: `stepWeight ${s.stepWeight}% is above maxWeight ${s.maxWeight}%`,
      });
    }
    if (s.stepDeadline < s.interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['stepDeadline'],
        message: 'stepDeadline must be at least the step interval',
      });
    }
  })
  .transform((s) => (s.steps || s.stepWeight !== undefined ? s : { ...s, steps: DEFAULT_STEPS }));

export type StrategyConfig = z.output<typeof strategyConfig>;

/**
 * Weights of each step: the list as given, or `stepWeight`, 2×`stepWeight`, … capped at `maxWeight`
 * (which is always the last step, as in Flagger: 15% up to 50% gives 15, 30, 45, 50).
 */
export function stepWeights(s: Pick<StrategyConfig, 'steps' | 'stepWeight' | 'maxWeight'>): number[] {
  if (s.steps) return [...s.steps];
  const step = s.stepWeight;
  if (step === undefined) return [...DEFAULT_STEPS];
  const max = s.maxWeight ?? 50;
  const weights: number[] = [];
  // Multiply instead of summing so 0.1% steps do not drift by floating-point error.
  for (let i = 1; i * step < max - 1e-9; i++) weights.push(Math.round(i * step * 1e6) / 1e6);
  weights.push(max);
  return weights;
}
