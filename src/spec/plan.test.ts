import { describe, expect, it } from 'vitest';
import { validateSpec } from './load.js';
import { planFromSpec } from './plan.js';
import { stepWeights } from './strategy.js';

function specWith(strategy: Record<string, unknown>, analysis: Record<string, unknown> = {}) {
  return validateSpec({
    apiVersion: 'chimera.dev/v1',
    kind: 'Canary',
    metadata: { name: 'checkout' },
    spec: { platform: { kind: 'local', command: 'node s.js' }, strategy, analysis },
  });
}

describe('planFromSpec', () => {
  it('uses the list of steps and converts durations to milliseconds', () => {
    const plan = planFromSpec(
      specWith(
        { steps: ['5%', 10, '25%', 50], interval: '30s', minRequests: 50, deployTimeout: '2m', stepDeadline: '10m' },
        { onInconclusive: 'rollback', maxMetricFailures: 4 },
      ),
    );
    expect(plan).toEqual({
      steps: [5, 10, 25, 50],
      stepIntervalMs: 30_000,
      minRequestsPerStep: 50,
      deployTimeoutMs: 120_000,
      stepDeadlineMs: 600_000,
      onInconclusive: 'rollback',
      maxMetricFailures: 4,
      analysisEnabled: true,
    });
  });

  it('builds steps from stepWeight and maxWeight', () => {
    expect(planFromSpec(specWith({ stepWeight: '10%', maxWeight: '50%' })).steps).toEqual([10, 20, 30, 40, 50]);
  });

  it('ends on maxWeight when it is not a multiple of stepWeight', () => {
    expect(planFromSpec(specWith({ stepWeight: 15, maxWeight: 50 })).steps).toEqual([15, 30, 45, 50]);
  });

  it('defaults maxWeight to 50% and the steps to 5, 10, 25, 50', () => {
    expect(planFromSpec(specWith({ stepWeight: 20 })).steps).toEqual([20, 40, 50]);
    expect(planFromSpec(specWith({})).steps).toEqual([5, 10, 25, 50]);
  });

  it('goes to 100% when asked to', () => {
    expect(planFromSpec(specWith({ stepWeight: 25, maxWeight: 100 })).steps).toEqual([25, 50, 75, 100]);
    expect(planFromSpec(specWith({ stepWeight: 100, maxWeight: 100 })).steps).toEqual([100]);
  });

  it('carries analysis being switched off', () => {
    expect(planFromSpec(specWith({}, { enabled: false })).analysisEnabled).toBe(false);
  });
});

describe('stepWeights', () => {
  it('does not drift with fractional steps', () => {
    const steps = stepWeights({ stepWeight: 0.1, maxWeight: 1 });
    expect(steps).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  it('is strictly increasing and ends at maxWeight for any step and maximum', () => {
    for (let step = 1; step <= 100; step += 7) {
      for (let max = step; max <= 100; max += 11) {
        const steps = stepWeights({ stepWeight: step, maxWeight: max });
        expect(steps.at(-1)).toBe(max);
        for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThan(steps[i - 1]!);
      }
    }
  });
});
