import type { RolloutPlan } from '../core/rollout.js';
import type { CanarySpec } from './schema.js';
import { stepWeights } from './strategy.js';

/**
 * What the engine needs from a validated spec: the step weights (from the list, or from stepWeight up to
 * maxWeight) and the timings in milliseconds.
 *
 * @example planFromSpec(spec).steps // [10, 20, 30, 40, 50] for stepWeight 10%, maxWeight 50%
 */
export function planFromSpec(spec: CanarySpec): RolloutPlan {
  const { strategy, analysis } = spec.spec;
  return {
    steps: stepWeights(strategy),
    stepIntervalMs: strategy.interval,
    minRequestsPerStep: strategy.minRequests,
    deployTimeoutMs: strategy.deployTimeout,
    stepDeadlineMs: strategy.stepDeadline,
    onInconclusive: analysis.onInconclusive,
    maxMetricFailures: analysis.maxMetricFailures,
    analysisEnabled: analysis.enabled,
    // Gate points with hooks (issue 7); left out when there are none so plans without gates stay as they were.
    ...(spec.spec.hooks.length > 0 ? { gates: [...new Set(spec.spec.hooks.map((h) => h.type))] } : {}),
    // Synthetic traffic for quiet services (src/core/engine-load.ts); left out when disabled, like gates.
    ...(analysis.loadGenerator.enabled ? { loadGenerator: { rps: analysis.loadGenerator.rps } } : {}),
  };
}
