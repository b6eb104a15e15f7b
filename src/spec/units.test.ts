import { describe, expect, it } from 'vitest';
import { duration, formatDuration, parseDuration, parsePercent, percent } from './units.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    ['2m500ms', 120_500],
    [' 30s ', 30_000],
    ['0', 0],
    [0, 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['fast', '30', 30, '', 's', '10 s', '30s2m', '1s1s', '-5s', '5d', '1e3ms', null, true, {}])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [120_500, '2m500ms'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('parsePercent', () => {
  it.each([
    ['1%', 1],
    ['0.5%', 0.5],
    [10, 10],
    ['10', 10],
    ['100%', 100],
    ['150%', 150],
  ])('reads %j as %d percent', (text, value) => {
    expect(parsePercent(text)).toBe(value);
  });

  it.each(['ten', '%', '', '1%%', null, Number.NaN, Infinity])('rejects %j', (text) => {
    expect(parsePercent(text)).toBeUndefined();
  });
});

describe('duration()', () => {
  it('converts to milliseconds', () => {
    expect(duration().parse('2m')).toBe(120_000);
  });

  it('names the problem and shows the value', () => {
    const result = duration().safeParse('fast');
    expect(result.error?.issues[0]?.message).toBe("expected a duration like 30s, 500ms or 2m, got 'fast'");
  });

  it('asks for a unit on a bare number', () => {
    expect(duration().safeParse(30).error?.issues[0]?.message).toContain('add a unit: 30ms or 30s');
  });

  it('checks the range', () => {
    const schema = duration({ min: 100, max: 60_000 });
    expect(schema.safeParse('50ms').error?.issues[0]?.message).toBe("must be between 100ms and 1m, got '50ms'");
    expect(schema.safeParse('2m').success).toBe(false);
    expect(schema.parse('1m')).toBe(60_000);
  });
});

describe('percent()', () => {
  it('accepts 0 to 100 by default', () => {
    expect(percent().parse('0%')).toBe(0);
    expect(percent().parse(100)).toBe(100);
  });

  it('rejects weights outside 0–100 with the value in the message', () => {
    expect(percent().safeParse('150%').error?.issues[0]?.message).toBe(
      "must be at least 0% and at most 100%, got '150%'",
    );
    expect(percent().safeParse(-1).success).toBe(false);
  });

  it('can exclude its minimum', () => {
    expect(percent({ exclusiveMin: true }).safeParse(0).error?.issues[0]?.message).toContain('above 0%');
  });

  it('explains a value that is not a percentage', () => {
    expect(percent().safeParse('lots').error?.issues[0]?.message).toBe(
      "expected a percentage like 10% or 0.5%, got 'lots'",
    );
  });
});
