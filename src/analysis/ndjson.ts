import type { Evidence } from '../core/measurement.js';

/**
 * Hand-rolled reading and writing of the NDJSON lines of `chimera analyze`, for speed: at a million lines JSON.parse
 * and JSON.stringify were about half the cost per line. Reading accepts only the exact common shape
 * (`{"id":…,"t":…,"canary":{"requests":…,"errors":…},"baseline":{"requests":…,"errors":…}}`, no spaces, plain
 * numbers); anything else returns null and the caller falls back to JSON.parse, so results never differ.
 * Writing produces exactly what JSON.stringify would.
 */

/** One line in the common shape. `t` is null when absent. */
export interface FastLine {
  id: string | number;
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

/** Parses `line` in the common shape, or returns null (the caller then uses JSON.parse). */
export function parseFast(line: string, into: FastLine): FastLine | null {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  if (!line.startsWith('{"id":', 0)) return null;
  let i = 6;
  if (line.charCodeAt(i) === QUOTE) {
    const start = ++i;
    for (; i < end; i++) {
      const c = line.charCodeAt(i);
      if (c === QUOTE) break;
      // Escapes, control characters and surrogates: leave them to JSON.parse.
      if (c === BACKSLASH || c < 32 || (c >= 0xd800 && c <= 0xdfff)) return null;
    }
    if (i >= end) return null;
    into.id = line.slice(start, i);
    i++;
  } else {
    const n = uint(line, i, end);
    if (n < 0) return null;
    into.id = value;
    i = n;
  }
  if (line.startsWith(',"t":', i)) {
    i = number(line, i + 5, end);
    if (i < 0) return null;
    into.t = value;
  } else {
    into.t = null;
  }
  if (!line.startsWith(',"canary":{"requests":', i)) return null;
  i = uint(line, i + 22, end);
  if (i < 0) return null;
  into.cr = value;
  if (!line.startsWith(',"errors":', i)) return null;
  i = uint(line, i + 10, end);
  if (i < 0) return null;
  into.ce = value;
  if (!line.startsWith('},"baseline":{"requests":', i)) return null;
  i = uint(line, i + 25, end);
  if (i < 0) return null;
  into.br = value;
  if (!line.startsWith(',"errors":', i)) return null;
  i = uint(line, i + 10, end);
  if (i < 0) return null;
  into.be = value;
  if (i + 2 !== end || line.charCodeAt(i) !== 125 || line.charCodeAt(i + 1) !== 125) return null;
  return into;
}

// The value of the last number read (saves an allocation per number).
let value = 0;

/** A whole number ≥ 0 in JSON form (no leading zeros, at most 15 digits: exact); returns the index after it or -1. */
function uint(s: string, i: number, end: number): number {
  const start = i;
  let v = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < ZERO || c > NINE) break;
    v = v * 10 + (c - ZERO);
  }
  const len = i - start;
  if (len === 0 || len > 15 || (len > 1 && s.charCodeAt(start) === ZERO)) return -1;
  value = v;
  return i;
}

/** A JSON number without exponent (`-?(0|[1-9]\d*)(\.\d+)?`), converted as JSON.parse would; -1 if not one. */
function number(s: string, i: number, end: number): number {
  const start = i;
  if (s.charCodeAt(i) === MINUS) i++;
  const intStart = i;
  while (i < end && s.charCodeAt(i) >= ZERO && s.charCodeAt(i) <= NINE) i++;
  if (i === intStart || (i - intStart > 1 && s.charCodeAt(intStart) === ZERO)) return -1;
  if (s.charCodeAt(i) === DOT) {
    const fracStart = ++i;
    while (i < end && s.charCodeAt(i) >= ZERO && s.charCodeAt(i) <= NINE) i++;
    if (i === fracStart) return -1;
  }
  const c = s.charCodeAt(i);
  if (c === 101 || c === 69) return -1; // exponent: JSON.parse
  value = Number(s.slice(start, i));
  return i;
}

const keyJson = new Map<string, string>();

/** A primitive as JSON.stringify writes it; undefined when it would be left out of an object. */
export function primitiveJson(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      return JSON.stringify(v);
  }
}

/** `JSON.stringify(evidence)` for a flat object of primitives (the Evidence type), without the generic walk. */
export function evidenceJson(e: Evidence): string {
  let out = '{';
  for (const k of Object.keys(e)) {
    const v = e[k];
    let text: string | undefined;
    if (typeof v === 'number') text = Number.isFinite(v) ? String(v) : 'null';
    else if (v === null) text = 'null';
    else if (typeof v === 'object')
      return JSON.stringify(e); // not flat: let JSON.stringify handle it all
    else text = primitiveJson(v);
    if (text === undefined) continue;
    let q = keyJson.get(k);
    if (q === undefined) {
      q = JSON.stringify(k);
      if (keyJson.size < 1000) keyJson.set(k, q);
    }
    out += out.length === 1 ? `${q}:${text}` : `,${q}:${text}`;
  }
  return out + '}';
}
