/**
 * Hand-rolled reading of the NDJSON lines of `chimera analyze`, for speed: at a million lines JSON.parse was a
 * large part of the cost per line. Lines are read from the input bytes as they are, without decoding them to a
 * string first. Only the exact common shape is accepted
 * (`{"id":…,"t":…,"canary":{"requests":…,"errors":…},"baseline":{"requests":…,"errors":…}}`, no spaces, plain
 * numbers, an id of printable ASCII); anything else returns false and the caller decodes the line and falls back
 * to JSON.parse, so results never differ.
 */

/** One line in the common shape. `t` is null when absent. */
export interface FastLine {
  id: string | number;
  /**
   * When set (by the caller), a string id is not decoded: `id` is left as it was, and `idStart`/`idEnd` give its
   * bytes (between the quotes) and `idHash` a hash of them, so a caller can find the stream without a string.
   */
  lazyId?: boolean;
  idStart?: number;
  idEnd?: number;
  idHash?: number;
  t: number | null;
  cr: number;
  ce: number;
  br: number;
  be: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const ID = ascii('{"id":');
const T = ascii(',"t":');
const CANARY = ascii(',"canary":{"requests":');
const ERRORS = ascii(',"errors":');
const BASELINE = ascii('},"baseline":{"requests":');

/** `i` plus the length of `p` when the bytes at `i` are `p`, else -1. */
function expect(buf: Uint8Array, i: number, end: number, p: Uint8Array): number {
  const n = p.length;
  if (i < 0 || i + n > end) return -1;
  for (let k = 0; k < n; k++) if (buf[i + k] !== p[k]) return -1;
  return i + n;
}

/**
 * Reads the line `buf[start, end)` (without its "\n"; a final "\r" is allowed) into `into` when it has the
 * common shape, exactly as JSON.parse would read it; false otherwise.
 */
export function parseFast(buf: Buffer, start: number, end: number, into: FastLine): boolean {
  if (end > start && buf[end - 1] === 13) end--;
  let i = expect(buf, start, end, ID);
  if (i < 0) return false;
  if (buf[i] === QUOTE) {
    const idStart = ++i;
    let h = 0x811c9dc5;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c === QUOTE) break;
      // Escapes, control characters and anything not ASCII: leave them to JSON.parse.
      if (c === BACKSLASH || c < 32 || c > 126) return false;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (i >= end) return false;
    if (into.lazyId === true) {
      into.idStart = idStart;
      into.idEnd = i;
      into.idHash = h;
    } else {
      into.id = buf.toString('latin1', idStart, i);
    }
    i++;
  } else {
    i = uint(buf, i, end);
    if (i < 0) return false;
    into.id = value;
    if (into.lazyId === true) into.idEnd = -1;
  }
  const afterT = expect(buf, i, end, T);
  if (afterT >= 0) {
    i = number(buf, afterT, end);
    if (i < 0) return false;
    into.t = value;
  } else {
    into.t = null;
  }
  i = uint(buf, expect(buf, i, end, CANARY), end);
  if (i < 0) return false;
  into.cr = value;
  i = uint(buf, expect(buf, i, end, ERRORS), end);
  if (i < 0) return false;
  into.ce = value;
  i = uint(buf, expect(buf, i, end, BASELINE), end);
  if (i < 0) return false;
  into.br = value;
  i = uint(buf, expect(buf, i, end, ERRORS), end);
  if (i < 0) return false;
  into.be = value;
  return i + 2 === end && buf[i] === 125 && buf[i + 1] === 125;
}

// The value of the last number read (saves an allocation per number).
let value = 0;

const POW10: number[] = [];
for (let k = 0; k <= 22; k++) POW10.push(10 ** k);

/** A whole number ≥ 0 in JSON form (no leading zeros, at most 15 digits: exact); returns the index after it or -1. */
function uint(buf: Uint8Array, i: number, end: number): number {
  if (i < 0) return -1;
  const start = i;
  let v = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < ZERO || c > NINE) break;
    v = v * 10 + (c - ZERO);
  }
  const len = i - start;
  if (len === 0 || len > 15 || (len > 1 && buf[start] === ZERO)) return -1;
  value = v;
  return i;
}

/** A JSON number without exponent (`-?(0|[1-9]\d*)(\.\d+)?`), converted as JSON.parse would; -1 if not one. */
function number(buf: Buffer, i: number, end: number): number {
  const start = i;
  const negative = buf[i] === MINUS;
  if (negative) i++;
  const intStart = i;
  let m = 0;
  while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) m = m * 10 + (buf[i++]! - ZERO);
  let digits = i - intStart;
  if (digits === 0 || (digits > 1 && buf[intStart] === ZERO)) return -1;
  let fraction = 0;
  if (buf[i] === DOT) {
    const fracStart = ++i;
    while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) m = m * 10 + (buf[i++]! - ZERO);
    fraction = i - fracStart;
    if (fraction === 0) return -1;
    digits += fraction;
  }
  const c = buf[i];
  if (c === 101 || c === 69) return -1; // exponent: JSON.parse
  if (digits <= 15) {
    // Both m (< 2^53) and 10^fraction (≤ 10^15) are exact doubles, and division rounds correctly: the same double
    // as the decimal text read by Number().
    const v = m / POW10[fraction]!;
    value = negative ? -v : v;
  } else {
    value = Number(buf.toString('latin1', start, i));
  }
  return i;
}
