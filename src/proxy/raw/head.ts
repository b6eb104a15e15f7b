/**
 * Byte-level HTTP/1.1 message-head parser for the raw-socket engine (RFC 9112 §2–§6). One pass over the bytes with
 * precomputed byte-class tables — no regular expressions, no per-header strings on the common path — recording
 * where each header line lies so the engine can copy the head onward with only hop-by-hop lines cut out.
 *
 * Strict on purpose: a proxy that frames a message differently from its peer is a request-smuggling hole, so
 * anything ambiguous is refused rather than guessed — both Content-Length and Transfer-Encoding, two different
 * Content-Lengths, a transfer coding other than a single `chunked`, a folded (obs-fold) line, whitespace before a
 * colon, a control byte or bare CR/LF in a line, a second Host header.
 */

import {
  classify,
  equalsLower,
  FIELD_BYTE,
  H_CONNECTION,
  H_CONTENT_LENGTH,
  H_EXPECT,
  H_HOST,
  H_TRANSFER_ENCODING,
  TARGET,
  TCHAR,
} from './fields.js';

export const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

export class ParseError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Header lines of a head, five numbers each: line start, colon, value start, value end (OWS trimmed), kind. */
export const FIELD_STRIDE = 5;

/** A parsed head. Offsets point into `buf`; a header line ends where the next begins (the last at `size - 2`). */
export class Head {
  /** Body framing from Content-Length / Transfer-Encoding: -1 = chunked, -2 = none given, else the length. */
  length = -2;
  /** Bytes the head took, including the blank line. */
  size = 0;
  /** Where the start line ends (after its CRLF): the first header line. */
  lineEnd = 0;
  /** HTTP/1.minor. */
  minor = 1;
  /** Response status code (0 for a request). */
  status = 0;
  /** Request method is HEAD (its response has no body). */
  isHeadMethod = false;
  /** The request carries `Expect: 100-continue`. */
  expectContinue = false;
  /** The Connection header lists `close`. */
  connClose = false;
  /** Connection tokens other than `close` and `keep-alive`, lower-cased: more hop-by-hop header names. */
  connOther: string[] | null = null;
  readonly fields: number[] = [];

  constructor(
    readonly buf: Buffer,
    readonly kind: 'request' | 'response',
  ) {}

  /** Request: method, target, minor version. Response: status, reason, minor version. */
  get line(): [string, string, number] {
    const first = this.buf.toString('latin1', 0, this.lineEnd - 2);
    if (this.kind === 'response') return [String(this.status), first.slice(13), this.minor];
    const [method, target] = first.split(' ');
    return [method!, target!, this.minor];
  }
  /** Header names as sent (diagnostics and tests; the engine works on offsets). */
  get names(): string[] {
    return this.map((f) => this.buf.toString('latin1', f[0], f[1]));
  }
  get lower(): string[] {
    return this.names.map((n) => n.toLowerCase());
  }
  get values(): string[] {
    return this.map((f) => this.buf.toString('latin1', f[2], f[3]));
  }
  /** Tokens of the Connection header, lower-cased. */
  get connection(): string[] {
    const out: string[] = [];
    this.map((f) => {
      if (f[4] !== H_CONNECTION) return;
      for (const t of this.buf.toString('latin1', f[2], f[3]).split(','))
        if (t.trim()) out.push(t.trim().toLowerCase());
    });
    return out;
  }

  private map<T>(fn: (field: number[]) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.fields.length; i += FIELD_STRIDE) out.push(fn(this.fields.slice(i, i + FIELD_STRIDE)));
    return out;
  }
}

/** The head at the start of `buf`, or null when it is not complete yet. Throws ParseError on anything malformed. */
export function parseHead(buf: Buffer, kind: 'request' | 'response'): Head | null {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) {
    if (buf.length > MAX_HEAD) throw new ParseError(431, 'request head too large');
    return null;
  }
  if (end + 4 > MAX_HEAD) throw new ParseError(431, 'request head too large');
  const head = new Head(buf, kind);
  head.size = end + 4;
  head.lineEnd = kind === 'request' ? requestLine(buf, head) : statusLine(buf, head);
  headerLines(buf, head, end + 2);
  return head;
}

/** `method SP target SP HTTP/1.d CRLF`; returns where the line ends. */
function requestLine(b: Buffer, head: Head): number {
  let p = 0;
  while (TCHAR[b[p]!] === 1) p++;
  const methodEnd = p;
  if (p === 0 || b[p] !== SP) throw new ParseError(400, 'malformed request line');
  const targetStart = ++p;
  while (TARGET[b[p]!] === 1) p++;
  if (p === targetStart || b[p] !== SP || !version(b, p + 1) || b[p + 9] !== CR || b[p + 10] !== LF) {
    throw new ParseError(400, 'malformed request line');
  }
  head.minor = b[p + 8]! - 0x30;
  head.isHeadMethod = methodEnd === 4 && b[0] === 0x48 && b[1] === 0x45 && b[2] === 0x41 && b[3] === 0x44;
  return p + 11;
}

/** `HTTP/1.d SP 3DIGIT [SP reason] CRLF`; returns where the line ends. */
function statusLine(b: Buffer, head: Head): number {
  const bad = (): ParseError => new ParseError(502, 'malformed upstream status line');
  if (!version(b, 0) || b[8] !== SP) throw bad();
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) throw bad();
    status = status * 10 + d;
  }
  let p = 12;
  if (b[p] === SP) {
    p++;
    while (FIELD_BYTE[b[p]!] === 1) p++;
  }
  if (b[p] !== CR || b[p + 1] !== LF) throw bad();
  head.minor = b[7]! - 0x30;
  head.status = status;
  return p + 2;
}

/** `HTTP/1.0` or `HTTP/1.1` at `p`. */
function version(b: Buffer, p: number): boolean {
  return (
    b[p] === 0x48 &&
    b[p + 1] === 0x54 &&
    b[p + 2] === 0x54 &&
    b[p + 3] === 0x50 &&
    b[p + 4] === 0x2f &&
    b[p + 5] === 0x31 &&
    b[p + 6] === 0x2e &&
    (b[p + 7] === 0x30 || b[p + 7] === 0x31)
  );
}

/** Header lines from `head.lineEnd` up to `stop` (the blank line), with their framing meaning. */
function headerLines(b: Buffer, head: Head, stop: number): void {
  const request = head.kind === 'request';
  let teCount = 0;
  let teChunked = false;
  let hosts = 0;
  let p = head.lineEnd;
  while (p < stop) {
    const start = p;
    while (TCHAR[b[p]!] === 1) p++;
    // An empty name is also how a folded continuation line (leading SP/HTAB) shows up.
    if (p === start || b[p] !== 0x3a) throw new ParseError(400, 'malformed header line');
    const colon = p++;
    while (b[p] === SP || b[p] === HTAB) p++;
    const vs = p;
    while (FIELD_BYTE[b[p]!] === 1) p++;
    if (b[p] !== CR || b[p + 1] !== LF) throw new ParseError(400, 'invalid byte in header value');
    let ve = p;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    p += 2;
    const kind = classify(b, start, colon);
    switch (kind) {
      case H_CONTENT_LENGTH: {
        if (ve - vs < 1 || ve - vs > 15) throw new ParseError(400, 'bad Content-Length');
        let n = 0;
        for (let i = vs; i < ve; i++) {
          const d = b[i]! - 0x30;
          if (d < 0 || d > 9) throw new ParseError(400, 'bad Content-Length');
          n = n * 10 + d;
        }
        if (head.length >= 0 && head.length !== n) throw new ParseError(400, 'conflicting Content-Length');
        head.length = n;
        break;
      }
      case H_TRANSFER_ENCODING:
        teCount++;
        teChunked = ve - vs === 7 && equalsLower(b, vs, CHUNKED);
        break;
      case H_CONNECTION:
        connectionTokens(b, vs, ve, head);
        break;
      case H_EXPECT:
        if (request && ve - vs === 12 && equalsLower(b, vs, CONTINUE)) head.expectContinue = true;
        break;
      case H_HOST:
        if (request && ++hosts > 1) throw new ParseError(400, 'more than one Host header');
        break;
    }
    head.fields.push(start, colon, vs, ve, kind);
  }
  if (teCount > 0) {
    if (head.length >= 0) throw new ParseError(400, 'both Content-Length and Transfer-Encoding');
    if (teCount > 1 || !teChunked) throw new ParseError(501, `unsupported Transfer-Encoding '${teValues(head)}'`);
    head.length = -1;
  }
}

const CHUNKED = Buffer.from('chunked');
const CONTINUE = Buffer.from('100-continue');
const CLOSE = Buffer.from('close');
const KEEP_ALIVE = Buffer.from('keep-alive');

/** Comma-separated tokens of a Connection value: `close` sets a flag, other names become hop-by-hop too. */
function connectionTokens(b: Buffer, vs: number, ve: number, head: Head): void {
  let p = vs;
  while (p < ve) {
    while (p < ve && (b[p] === SP || b[p] === HTAB || b[p] === 0x2c)) p++;
    const s = p;
    while (p < ve && b[p] !== 0x2c) p++;
    let e = p;
    while (e > s && (b[e - 1] === SP || b[e - 1] === HTAB)) e--;
    if (e === s) continue;
    if (e - s === 5 && equalsLower(b, s, CLOSE)) head.connClose = true;
    else if (!(e - s === 10 && equalsLower(b, s, KEEP_ALIVE))) {
      (head.connOther ??= []).push(b.toString('latin1', s, e).toLowerCase());
    }
  }
}

function teValues(head: Head): string {
  const out: string[] = [];
  for (let i = 0; i < head.fields.length; i += FIELD_STRIDE) {
    if (head.fields[i + 4] === H_TRANSFER_ENCODING) {
      out.push(head.buf.toString('latin1', head.fields[i + 2], head.fields[i + 3]));
    }
  }
  return out.join(', ');
}
