/**
 * Just enough HTTP/1.1 message framing for the raw-socket engine (RFC 9112): parse a message head, decide how its
 * body is delimited, and find where a body ends while its bytes pass through untouched. Strict on purpose —
 * anything ambiguous (both Content-Length and Transfer-Encoding, two different Content-Lengths, a folded header, a
 * transfer coding other than chunked) is rejected rather than guessed, because a proxy that frames a request
 * differently from its upstream is a request-smuggling hole.
 */

export const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export class ParseError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A parsed head: start line parts and headers (names as sent, plus lower-cased). */
export interface Head {
  /** Request: method, target, minor version. Response: status, reason, minor version. */
  line: [string, string, number];
  names: string[];
  lower: string[];
  values: string[];
  /** Body framing from Content-Length / Transfer-Encoding: -1 = chunked, -2 = none given, else the length. */
  length: number;
  /** Tokens of the Connection header, lower-cased. */
  connection: string[];
  /** Bytes the head took, including the blank line. */
  size: number;
}

/** The head at the start of `buf`, or null when it is not complete yet. */
export function parseHead(buf: Buffer, kind: 'request' | 'response'): Head | null {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) {
    if (buf.length > MAX_HEAD) throw new ParseError(431, 'request head too large');
    return null;
  }
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const start = lines[0]!;
  let line: [string, string, number];
  if (kind === 'request') {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.([01])$/.exec(start);
    if (!m) throw new ParseError(400, 'malformed request line');
    line = [m[1]!, m[2]!, Number(m[3])];
  } else {
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(start);
    if (!m) throw new ParseError(502, 'malformed upstream status line');
    line = [m[2]!, m[3] ?? '', Number(m[1])];
  }
  const head: Head = { line, names: [], lower: [], values: [], length: -2, connection: [], size: end + 4 };
  let te: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const colon = l.indexOf(':');
    const name = colon > 0 ? l.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new ParseError(400, 'malformed header line');
    const value = l.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) throw new ParseError(400, 'bad Content-Length');
      const n = Number(value);
      if (head.length >= 0 && head.length !== n) throw new ParseError(400, 'conflicting Content-Length');
      head.length = n;
    } else if (lower === 'transfer-encoding') {
      te = te ? `${te}, ${value}` : value;
    } else if (lower === 'connection') {
      for (const t of value.split(',')) if (t.trim()) head.connection.push(t.trim().toLowerCase());
    }
    head.names.push(name);
    head.lower.push(lower);
    head.values.push(value);
  }
  if (te !== undefined) {
    if (head.length >= 0) throw new ParseError(400, 'both Content-Length and Transfer-Encoding');
    if (te.toLowerCase() !== 'chunked') throw new ParseError(501, `unsupported Transfer-Encoding '${te}'`);
    head.length = -1;
  }
  return head;
}

/**
 * Finds the end of a chunked body while its bytes flow through unchanged. `feed` returns how many bytes of
 * `chunk` belong to the body (all of them until the end is found).
 */
export class ChunkedScanner {
  done = false;
  private state: 'size' | 'ext' | 'sizeLf' | 'data' | 'dataCr' | 'dataLf' | 'trailer' = 'size';
  private remaining = 0;
  private sawDigit = false;
  /** Characters on the current trailer line (0 right after a CRLF: a blank line ends the body). */
  private lineLen = 0;

  feed(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length && !this.done) {
      const c = chunk[i]!;
      switch (this.state) {
        case 'size': {
          const d = hex(c);
          if (d >= 0) {
            this.remaining = this.remaining * 16 + d;
            this.sawDigit = true;
            if (this.remaining > Number.MAX_SAFE_INTEGER / 16) throw new ParseError(400, 'chunk too large');
          } else if (c === 0x0d && this.sawDigit) this.state = 'sizeLf';
          else if ((c === 0x3b || c === 0x20 || c === 0x09) && this.sawDigit) this.state = 'ext';
          else throw new ParseError(400, 'malformed chunk size');
          i++;
          break;
        }
        case 'ext':
          if (c === 0x0d) this.state = 'sizeLf';
          i++;
          break;
        case 'sizeLf':
          if (c !== 0x0a) throw new ParseError(400, 'malformed chunk size line');
          i++;
          this.sawDigit = false;
          if (this.remaining === 0) {
            this.state = 'trailer';
            this.lineLen = 0;
          } else this.state = 'data';
          break;
        case 'data': {
          const take = Math.min(this.remaining, chunk.length - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'dataCr';
          break;
        }
        case 'dataCr':
          if (c !== 0x0d) throw new ParseError(400, 'missing CRLF after chunk');
          this.state = 'dataLf';
          i++;
          break;
        case 'dataLf':
          if (c !== 0x0a) throw new ParseError(400, 'missing CRLF after chunk');
          this.state = 'size';
          i++;
          break;
        case 'trailer':
          i++;
          if (c === 0x0a) {
            if (this.lineLen === 0) this.done = true;
            this.lineLen = 0;
          } else if (c !== 0x0d) this.lineLen++;
          break;
      }
    }
    return i;
  }
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Tracks a body of known framing: fixed length, chunked, or (responses only) until the connection closes. */
export class BodyTracker {
  private readonly scanner: ChunkedScanner | null;
  private left: number;
  /** True when the body ends only when the connection closes. */
  readonly untilClose: boolean;

  constructor(length: number, untilClose = false) {
    this.untilClose = untilClose;
    this.scanner = length === -1 ? new ChunkedScanner() : null;
    this.left = length >= 0 ? length : 0;
  }

  get done(): boolean {
    if (this.untilClose) return false;
    return this.scanner ? this.scanner.done : this.left === 0;
  }

  /** Bytes of `chunk` that belong to this body. */
  take(chunk: Buffer): number {
    if (this.untilClose) return chunk.length;
    if (this.scanner) return this.scanner.feed(chunk);
    const n = Math.min(this.left, chunk.length);
    this.left -= n;
    return n;
  }
}
