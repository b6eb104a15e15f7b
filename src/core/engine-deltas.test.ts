import { describe, expect, it } from 'vitest';
import { countsDelta, invalidCounts } from './engine-deltas.js';
import { fmtDuration, oneLine } from './engine-draft.js';

describe('countsDelta', () => {
  it('differences of growing totals', () => {
    expect(countsDelta({ requests: 100, errors: 2 }, { requests: 150, errors: 5 })).toEqual({
      delta: { requests: 50, errors: 3 },
      reset: false,
    });
  });

  it('a total that went down is a restart: the new value is the delta', () => {
    expect(countsDelta({ requests: 100, errors: 2 }, { requests: 30, errors: 1 })).toEqual({
      delta: { requests: 30, errors: 1 },
      reset: true,
    });
    // errors alone going down also means the counters restarted
    expect(countsDelta({ requests: 100, errors: 8 }, { requests: 120, errors: 1 }).reset).toBe(true);
  });

  it('never reports more errors than requests in one interval', () => {
    expect(countsDelta({ requests: 100, errors: 2 }, { requests: 101, errors: 6 }).delta).toEqual({
      requests: 1,
      errors: 1,
    });
  });

  it('drops a latency difference it cannot take honestly (different buckets, no previous histogram)', () => {
    const h = (le: number[], counts: number[]) => ({ le, counts, count: counts.at(-1)!, sum: 10 });
    expect(
      countsDelta({ requests: 1, errors: 0 }, { requests: 2, errors: 0, latency: h([5], [2]) }).delta.latency,
    ).toBe(undefined);
    expect(
      countsDelta(
        { requests: 1, errors: 0, latency: h([5, 10], [1, 1]) },
        { requests: 2, errors: 0, latency: h([5, 20], [1, 2]) },
      ).delta.latency,
    ).toBe(undefined);
  });
});

describe('invalidCounts', () => {
  it.each([
    [{ requests: -1, errors: 0 }, 'invalid request count -1'],
    [{ requests: 1, errors: Number.POSITIVE_INFINITY }, 'invalid error count Infinity'],
    [
      { requests: 1, errors: 0, latency: { le: [1], counts: [Number.NaN], count: 1, sum: 1 } },
      'invalid latency histogram',
    ],
    [undefined, 'missing counts'],
  ])('%j → %s', (counts, message) => {
    expect(invalidCounts(counts)).toBe(message);
  });

  it('accepts zeros', () => {
    expect(invalidCounts({ requests: 0, errors: 0 })).toBeUndefined();
  });
});

describe('formatting', () => {
  it.each([
    [500, '500ms'],
    [0, '0ms'],
    [30_000, '30s'],
    [120_000, '2m'],
    [90_000, '1m30s'],
    [3_900_000, '1h5m'],
    [3_600_000, '1h'],
  ])('fmtDuration(%d) = %s', (ms, text) => {
    expect(fmtDuration(ms)).toBe(text);
  });

  it('oneLine flattens, trims, bounds and never returns an empty reason', () => {
    expect(oneLine(' a\n\tb  c ')).toBe('a b c');
    expect(oneLine('\n')).toBe('(no reason given)');
    expect(oneLine('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
