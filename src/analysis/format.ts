/** Numbers as a person reads them in a one-line reason. */

/** A fraction as a percentage with sensible precision: 0.041 → "4.1%", 0.00123 → "0.12%", 0 → "0%". */
export function pct(x: number): string {
  const h = slot(x);
  if (pctKey[h] === x && x !== 0) return pctText[h]!;
  const text = pctOf(x);
  pctKey[h] = x;
  pctText[h] = text;
  return text;
}

function pctOf(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const p = x * 100;
  if (p === 0) return '0%';
  // Arithmetic rounding and String(): this runs several times per decision, regexes and toFixed cost more.
  if (p >= 10) return `${Math.round(p * 10) / 10}%`;
  if (p >= 1) return `${Math.round(p * 100) / 100}%`;
  return `${twoDigits(p)}%`;
}

// pct and num remember their last texts by argument (direct-mapped, 1024 entries): a million lines of chimera
// analyze show the same rates and bounds again and again. Zero is left out (0 and -0 compare equal).
const SLOTS = 1024;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const pctKey = new Float64Array(SLOTS);
const pctText: string[] = new Array<string>(SLOTS).fill('');
const numKey = new Float64Array(SLOTS);
const numText: string[] = new Array<string>(SLOTS).fill('');

function slot(x: number): number {
  bits[0] = x;
  return Math.imul(words[0]! ^ Math.imul(words[1]!, 0x85ebca6b), 0x9e3779b1) >>> 22;
}

const POW10: number[] = [];
for (let k = 0; k <= 22; k++) POW10.push(10 ** k);

/**
 * `Number(x.toPrecision(2))` for 0 < x, by arithmetic when that is provably the same number: with k the two
 * significant digits rounded and m = 10^j exact (j ≤ 22), k / m is the double nearest to k·10^-j, which is what
 * Number() of the decimal text gives; k is right unless x·m lies within rounding error of a half (then, and
 * outside the range where m is exact, toPrecision decides). Runs several times per line of chimera analyze.
 */
function twoDigits(x: number): number {
  const j = 1 - Math.floor(Math.log10(x));
  if (j >= 0 && j <= 22) {
    const m = POW10[j]!;
    const scaled = x * m;
    const frac = scaled - Math.floor(scaled);
    if (scaled >= 10 && scaled < 99.5 && Math.abs(frac - 0.5) > 1e-6) return Math.round(scaled) / m;
  }
  return Number(x.toPrecision(2));
}

/** An e-value or ratio: 3.2, 212, 1.5e+6; "∞" when unbounded. */
export function num(x: number): string {
  const h = slot(x);
  if (numKey[h] === x && x !== 0) return numText[h]!;
  const text = numOf(x);
  numKey[h] = x;
  numText[h] = text;
  return text;
}

function numOf(x: number): string {
  if (x === Infinity) return '∞';
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 1e5) return x.toExponential(1);
  if (x >= 100) return String(Math.round(x));
  if (x >= 10) return String(Math.round(x * 10) / 10);
  return String(x > 0 ? twoDigits(x) : Number(x.toPrecision(2)));
}

const POW_MIN = 30;
const ROUND_POW: number[] = [];
for (let k = -POW_MIN; k <= 330; k++) ROUND_POW.push(10 ** k);

/** A number rounded for evidence (4 significant digits), keeping JSON small and stable. */
export function round(x: number): number {
  if (x === 0 || !Number.isFinite(x) || Number.isInteger(x)) return x;
  // Remembered by argument like pct and num: shares, e-values and bounds come back line after line.
  const h = slot(x);
  if (roundKey[h] === x) return roundValue[h]!;
  const v = roundOf(x);
  roundKey[h] = x;
  roundValue[h] = v;
  return v;
}

const roundKey = new Float64Array(SLOTS);
const roundValue = new Float64Array(SLOTS);

function roundOf(x: number): number {
  // Arithmetic rather than toPrecision: this runs for every number of every decision.
  const k = 3 - Math.floor(Math.log10(Math.abs(x)));
  // The same powers `10 ** k` computes, looked up (k is an integer; outside the table, computed).
  const m = k >= -POW_MIN && k < ROUND_POW.length - POW_MIN ? ROUND_POW[k + POW_MIN]! : 10 ** k;
  return Math.round(x * m) / m;
}

/** An e-value from its logarithm, bounded so JSON never sees Infinity. */
export function eValue(logE: number): number {
  return round(Math.exp(Math.min(logE, 700)));
}

/** "41/1000 = 4.1%" */
export function rate(events: number, n: number): string {
  return `${events}/${n} = ${pct(n > 0 ? events / n : 0)}`;
}
