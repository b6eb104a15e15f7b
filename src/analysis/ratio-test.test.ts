import { describe, expect, it } from 'vitest';
import { binomial, rng } from '../testing/analysis-sim.js';
import { gridIndex, initialRatioTest, makeGrid, updateRatioTest, type RatioGrid } from './ratio-test.js';

/** Batches of 10 canary and 90 baseline requests, baseline events at 2 %, canary ones at `ratio` × 2 %. */
function rolledBack(grid: RatioGrid, seed: number, ratio: number, batches: number, alpha: number): boolean {
  const r = rng(seed);
  const readout = { toleranceIndex: grid.nullIndex, logThreshold: Math.log(1 / alpha) };
  let s = initialRatioTest(grid);
  for (let i = 0; i < batches; i++) {
    s = updateRatioTest(grid, readout, s, binomial(r, 10, 0.02 * ratio), 10, binomial(r, 90, 0.02), 90);
    if (s.logE >= Math.log(1 / alpha)) return true;
  }
  return false;
}

describe('count test against a null ratio above 1', () => {
  const grid = makeGrid([], 2);

  it('places the null and its scaled alternatives on the grid', () => {
    expect(grid.ratios[grid.nullIndex]).toBe(2);
    expect(grid.rollback.map((i) => grid.ratios[i])).toEqual([6, 12, 24, 60, 200, 2000]);
    expect(gridIndex(makeGrid([1.5]), 1.5)).toBeGreaterThan(0);
    expect(() => makeGrid([], 0.5)).toThrow(/null ratio 0.5 is not ≥ 1/);
  });

  it('keeps false rollbacks at or below alpha when the canary sits exactly at the null ratio', () => {
    // 400 streams of 2 000 batches (20 000 canary requests each) at alpha 5 %. Checked against alpha plus three
    // standard deviations of a rate measured on 400 runs (~3.3 points): the test is valid, not sharp.
    const runs = 400;
    let falses = 0;
    for (let seed = 0; seed < runs; seed++) if (rolledBack(grid, 1000 + seed, 2, 2000, 0.05)) falses++;
    expect(falses / runs).toBeLessThanOrEqual(0.05 + 3 * Math.sqrt((0.05 * 0.95) / runs));
  });

  it('rolls back a canary well past the null, and one within it never tells it apart from the baseline', () => {
    let caught = 0;
    for (let seed = 0; seed < 20; seed++) if (rolledBack(grid, 2000 + seed, 8, 2000, 0.01)) caught++;
    expect(caught).toBe(20);
    let within = 0;
    for (let seed = 0; seed < 20; seed++) if (rolledBack(grid, 3000 + seed, 1.5, 2000, 0.01)) within++;
    expect(within).toBe(0);
  });
});
