/**
 * Byte classes and header-name kinds for the raw engine's head parser: lookup tables built once, so checking a
 * byte is one array read and recognising a name a length switch plus a short case-folded compare.
 */

const SP = 0x20;
const HTAB = 0x09;

/** tchar (RFC 9110 §5.6.2): the bytes a method or header name may contain. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}
/** Field-value bytes (RFC 9110 §5.5): SP, HTAB, visible ASCII, obs-text. Never CR, LF, NUL or other controls. */
export const FIELD_BYTE = new Uint8Array(256);

/** Request-target bytes: visible ASCII and obs-text; no whitespace, no controls. */
export const TARGET = new Uint8Array(256);
for (let c = 0x21; c < 0x100; c++) {
  if (c === 0x7f) continue;
  FIELD_BYTE[c] = 1;
  TARGET[c] = 1;
}
FIELD_BYTE[SP] = 1;
FIELD_BYTE[HTAB] = 1;

/** What a header line means to the proxy, from its name (case-insensitive). */
export const H_OTHER = 0;
export const H_CONTENT_LENGTH = 1;
export const H_TRANSFER_ENCODING = 2;
export const H_CONNECTION = 3;
/** Hop-by-hop (RFC 9110 §7.6.1) other than Connection itself: never forwarded. */
export const H_HOP = 4;
export const H_EXPECT = 5;
export const H_XFF = 6;
export const H_XFP = 7;
export const H_XFH = 8;
export const H_HOST = 9;

/** Known names by length, lower-cased, with their kind. */
const KNOWN: Array<Array<[Buffer, number]>> = [];
for (const [name, kind] of [
  ['content-length', H_CONTENT_LENGTH],
  ['transfer-encoding', H_TRANSFER_ENCODING],
  ['connection', H_CONNECTION],
  ['keep-alive', H_HOP],
  ['proxy-connection', H_HOP],
  ['proxy-authenticate', H_HOP],
  ['proxy-authorization', H_HOP],
  ['te', H_HOP],
  ['trailer', H_HOP],
  ['upgrade', H_HOP],
  ['expect', H_EXPECT],
  ['x-forwarded-for', H_XFF],
  ['x-forwarded-proto', H_XFP],
  ['x-forwarded-host', H_XFH],
  ['host', H_HOST],
] as const) {
  (KNOWN[name.length] ??= []).push([Buffer.from(name, 'latin1'), kind]);
}

/**
 * Whether `b[s..s+lower.length)` equals `lower` ignoring ASCII case. `| 0x20` folds case; it is exact here
 * because the constants hold only letters, digits and '-', and the bytes compared are already checked to be
 * tchars or field-value bytes (the only other bytes folding onto digits or '-' are controls, refused earlier).
 */
export function equalsLower(b: Buffer, s: number, lower: Buffer): boolean {
  for (let i = 0; i < lower.length; i++) if ((b[s + i]! | 0x20) !== lower[i]) return false;
  return true;
}

export function classify(b: Buffer, s: number, e: number): number {
  const candidates = KNOWN[e - s];
  if (candidates === undefined) return H_OTHER;
  for (const [name, kind] of candidates) if (equalsLower(b, s, name)) return kind;
  return H_OTHER;
}
