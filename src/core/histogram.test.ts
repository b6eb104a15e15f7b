import { describe, expect, it } from 'vitest';
import { diffHistogram, histogramQuantile } from './histogram.js';

const h = (counts: number[], sum = 0) => ({ le: [10, 50, 100, 500], counts, count: counts.at(-1)!, sum });

describe('histogramQuantile', () => {
  it('interpolates inside the bucket that holds the rank', () => {
    // 100 observations: 50 ≤ 10 ms, 90 ≤ 50 ms, 100 ≤ 100 ms.
    expect(histogramQuantile(h([50, 90, 100, 100]), 0.5)).toBe(10);
    expect(histogramQuantile(h([50, 90, 100, 100]), 0.7)).toBeCloseTo(30);
    expect(histogramQuantile(h([50, 90, 100, 100]), 0.99)).toBeCloseTo(95);
  });
  it('is undefined without observations', () => {
    expect(histogramQuantile(h([0, 0, 0, 0]), 0.99)).toBeUndefined();
  });
  it('returns the largest finite bound when the rank lies past it', () => {
    const withInf = { le: [10, Infinity], counts: [1, 10], count: 10, sum: 0 };
    expect(histogramQuantile(withInf, 0.99)).toBe(10);
  });
});

describe('diffHistogram', () => {
  it('subtracts bucket by bucket', () => {
    expect(diffHistogram(h([5, 9, 10, 10], 100), h([2, 3, 4, 4], 40))).toEqual(h([3, 6, 6, 6], 60));
  });
  it('treats a histogram that shrank as a reset', () => {
    const reset = h([1, 1, 1, 1], 5);
    expect(diffHistogram(reset, h([5, 9, 10, 10]))).toBe(reset);
  });
});
