/**
 * Just enough HTTP/1.1 message framing for the raw-socket engine (RFC 9112): parse a message head (`head.ts`),
 * decide how its body is delimited, and find where a body ends while its bytes pass through untouched. Strict on purpose —
 * anything ambiguous (both Content-Length and Transfer-Encoding, two different Content-Lengths, a folded header, a
 * transfer coding other than chunked) is rejected rather than guessed, because a proxy that frames a request
 * differently from its upstream is a request-smuggling hole.
 */

export { MAX_HEAD, ParseError, parseHead, Head } from './head.js';
import { FIELD_BYTE } from './fields.js';
import { ParseError } from './head.js';

/**
 * Finds the end of a chunked body while its bytes flow through unchanged. `feed` returns how many bytes of
 * `chunk` belong to the body (all of them until the end is found).
 */
export class ChunkedScanner {
  done = false;
  private state: 'size' | 'ext' | 'sizeLf' | 'data' | 'dataCr' | 'dataLf' | 'trailer' | 'trailerLf' = 'size';
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
          // Extensions are skipped, but a control byte (a bare LF above all) is refused: a next hop that took
          // it as the end of the line would see different chunk boundaries.
          if (c === 0x0d) this.state = 'sizeLf';
          else if (FIELD_BYTE[c] !== 1) throw new ParseError(400, 'invalid byte in chunk extension');
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
          // Trailer lines end with CRLF exactly; a bare CR or LF could end the body early for one parser only.
          if (c === 0x0d) this.state = 'trailerLf';
          else if (FIELD_BYTE[c] === 1) this.lineLen++;
          else throw new ParseError(400, 'invalid byte in chunked trailer');
          i++;
          break;
        case 'trailerLf':
          if (c !== 0x0a) throw new ParseError(400, 'invalid byte in chunked trailer');
          i++;
          if (this.lineLen === 0) this.done = true;
          this.lineLen = 0;
          this.state = 'trailer';
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
