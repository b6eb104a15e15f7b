import { describe, expect, it } from 'vitest';
import { WeightedSplit } from './split.js';

describe('WeightedSplit', () => {
  it.each([0, 1, 10, 12.5, 33.3, 50, 90, 99, 100])(
    'given weight %d, after every request the canary count is within one of n·weight, for any seed',
    (weight) => {
      for (const seed of [1, 42, 0xdeadbeef]) {
        const split = new WeightedSplit(weight, seed);
        let canary = 0;
        let worst = 0;
        for (let n = 1; n <= 2000; n++) {
          if (split.pickCanary()) canary++;
          worst = Math.max(worst, Math.abs(canary - (n * weight) / 100));
        }
        expect(worst).toBeLessThan(1);
      }
    },
  );

  it('given 50%, a client alternating two URLs sends each URL to both versions (no lock-in)', () => {
    const split = new WeightedSplit(50, 7);
    let evenToCanary = 0;
    for (let n = 0; n < 2000; n++) if (split.pickCanary() && n % 2 === 0) evenToCanary++;
    expect(evenToCanary).toBeGreaterThan(300);
    expect(evenToCanary).toBeLessThan(700);
  });

  it('when the weight changes, the new share holds from then on', () => {
    const split = new WeightedSplit(10, 3);
    for (let n = 0; n < 500; n++) split.pickCanary();
    split.setWeight(60);
    let canary = 0;
    for (let n = 0; n < 1000; n++) if (split.pickCanary()) canary++;
    expect(Math.abs(canary - 600)).toBeLessThanOrEqual(2);
  });
});
