import { describe, expect, it } from 'vitest';
import { poisson, rng } from '../testing/analysis-sim.js';
import { createAnalyzer } from './index.js';

/**
 * Errors in groups of exactly `size` that hit one version together (a client retrying against one version): each
 * batch has 10 canary and 90 baseline requests and Poisson(0.3) groups, each landing in the canary with
 * probability `canaryShare`. Returns the batch at which the analyzer rolled back, or -1.
 */
function clustered(seed: number, size: number, canaryShare: number, errorClusterSize: number, batches = 400): number {
  const r = rng(seed);
  const a = createAnalyzer({ errorClusterSize });
  let state = a.initial();
  for (let i = 0; i < batches; i++) {
    let ce = 0;
    let be = 0;
    for (let g = poisson(r, 0.3); g > 0; g--) {
      if (r() < canaryShare) ce += size;
      else be += size;
    }
    const o = a.observe(state, {
      t: i,
      canary: { requests: 10, errors: Math.min(10, ce) },
      baseline: { requests: 90, errors: Math.min(90, be) },
    });
    if (o.decision.verdict === 'rollback') return i;
    state = o.state;
  }
  return -1;
}

describe('errorClusterSize: errors that come in groups', () => {
  const seeds = [...Array(100).keys()].map((k) => 9_000 + k);

  it('rolls back healthy canaries when groups of 4 are taken as 4 independent errors, and not when declared', () => {
    // A group lands in the canary as often as its share of requests (0.1): the canary is exactly as good.
    const naive = seeds.filter((s) => clustered(s, 4, 0.1, 1) >= 0).length;
    const declared = seeds.filter((s) => clustered(s, 4, 0.1, 4) >= 0).length;
    expect(naive).toBeGreaterThan(10);
    // α = 0.01: about one in a hundred at most, by Ville's inequality once each group weighs one error.
    expect(declared).toBeLessThanOrEqual(3);
  });

  it('still rolls back a canary that gets five times its share of the groups, later', () => {
    for (const s of seeds.slice(0, 10)) {
      const naive = clustered(s, 4, 0.5, 1);
      const declared = clustered(s, 4, 0.5, 4);
      expect(naive).toBeGreaterThanOrEqual(0);
      expect(declared).toBeGreaterThanOrEqual(naive);
    }
  });
});
