import * as z from 'zod';

/**
 * Units as people write them in specs: durations (`500ms`, `30s`, `2m`, `1h30m`) and percentages (`1%`, `0.5%`,
 * `10`). The zod schemas convert them to plain numbers — milliseconds and percent (0–100) — so nothing past the
 * spec loader ever parses a unit again.
 */

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
// Largest unit first; each at most once. `m` must not swallow the `m` of `ms`, hence the ordered alternation.
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
const UNIT_ORDER: Unit[] = ['h', 'm', 's', 'ms'];

/** Show a user's value in a message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? typeof value);
  } catch {
    text = typeof value; // a cycle or a BigInt: cannot come from YAML or JSON, but never crash on a message
  }
  // A message quotes the value to identify it, not to reproduce a 1 MB string.
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Milliseconds in a duration such as `500ms`, `30s`, `2m`, `1h30m` or `1.5s`; `0` (number or string) is the only
 * value allowed without a unit, because a bare `30` is ambiguous. Returns `undefined` when it is not a duration.
 *
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(input: unknown): number | undefined {
  if (input === 0 || input === '0') return 0;
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (text === '') return undefined;
  let total = 0;
  let lastUnit = -1;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text);
    if (!match) return undefined;
    const unitIndex = UNIT_ORDER.indexOf(match[2] as Unit);
    if (unitIndex <= lastUnit) return undefined; // `30s2m` or `1s1s`: almost certainly a typo
    lastUnit = unitIndex;
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
  }
  return Math.round(total);
}

/** The shortest way to write `ms` as a duration: `90000` → `1m30s`, `500` → `500ms`, `0` → `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of UNIT_ORDER) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * UNIT_MS[unit];
  }
  return out;
}

/**
 * Percent in `1%`, `0.5%`, `10` or `'10'` (a plain number is already a percentage, not a fraction).
 * Returns `undefined` when it is not one; range checks are the schema's job.
 */
export function parsePercent(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*%?\s*$/.exec(input);
  return match ? Number(match[1]) : undefined;
}

export interface DurationOptions {
  /** Smallest allowed value in ms (default 0). */
  min?: number;
  /** Largest allowed value in ms. */
  max?: number;
}

/**
 * A zod schema accepting a duration string and producing milliseconds.
 *
 * @example z.object({ interval: duration({ min: 100 }).prefault('30s') })
 */
export function duration(options: DurationOptions = {}) {
  const { min = 0, max } = options;
  return z.unknown().transform((input, ctx): number => {
    const ms = parseDuration(input);
    if (ms === undefined) {
      const hint = typeof input === 'number' ? ` (add a unit: ${input}ms or ${input}s)` : '';
      ctx.issues.push({
        code: 'custom',
        input,
        message: `expected a duration like 30s, 500ms or 2m, got ${show(input)}${hint}`,
      });
      return z.NEVER;
    }
    if (ms < min || (max !== undefined && ms > max)) {
      const range =
        max === undefined
          ? `at least ${formatDuration(min)}`
          : `between ${formatDuration(min)} and ${formatDuration(max)}`;
      ctx.issues.push({ code: 'custom', input, message: `must be ${range}, got ${show(input)}` });
      return z.NEVER;
    }
    return ms;
  });
}

export interface PercentOptions {
  /** Smallest allowed percent (default 0). */
  min?: number;
  /** Largest allowed percent (default 100). */
  max?: number;
  /** When true, `min` itself is not allowed (weights of a step must be above 0). */
  exclusiveMin?: boolean;
}

/**
 * A zod schema accepting `1%`, `0.5%` or `10` and producing the percent as a number (0–100).
 *
 * @example z.object({ maxErrorRate: percent().prefault('1%') })
 */
export function percent(options: PercentOptions = {}) {
  const { min = 0, max = 100, exclusiveMin = false } = options;
  return z.unknown().transform((input, ctx): number => {
    const value = parsePercent(input);
    if (value === undefined) {
      ctx.issues.push({ code: 'custom', input, message: `expected a percentage like 10% or 0.5%, got ${show(input)}` });
      return z.NEVER;
    }
    if (value > max || value < min || (exclusiveMin && value === min)) {
      const low = exclusiveMin ? `above ${min}%` : `at least ${min}%`;
      ctx.issues.push({ code: 'custom', input, message: `must be ${low} and at most ${max}%, got ${show(input)}` });
      return z.NEVER;
    }
    return value;
  });
}
