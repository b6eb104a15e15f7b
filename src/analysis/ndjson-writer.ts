import type { Evidence } from '../core/measurement.js';

/**
 * Writes the output lines of `chimera analyze` straight into UTF-8 bytes, producing exactly what `JSON.stringify`
 * would. At a million lines, building each line as a string (two-byte, because reasons say "≥") and then encoding
 * it cost more than the analysis: here numbers, keys and text go into a block of bytes directly, and the block is
 * handed to the sink whole.
 */
// What JSON.stringify escapes: quote, backslash, control characters, and surrogates (lone ones become \uXXXX; a
// pair is fine, but is rare enough to take the slow path too).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export class LineWriter {
  /** The block being filled; `used` bytes of it are output. */
  buf: Buffer;
  used = 0;
  private readonly size: number;
  // The keys of the last evidence written, with their encoded `"key":` bytes: evidence of one analyzer has the
  // same keys in the same order line after line, so the lookup is usually a pointer comparison.
  private lastKeys: string[] = [];
  private lastKeyBytes: Uint8Array[] = [];
  private readonly keyBytes = new Map<string, Uint8Array>();

  constructor(size: number) {
    this.size = size;
    this.buf = Buffer.allocUnsafe(size);
  }

  /** The bytes written so far (a fresh block is started: the sink may hold on to what it was given). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(this.size);
    this.used = 0;
    return out;
  }

  /** Room for `n` more bytes: the block grows rather than the caller awaiting mid-line. */
  ensure(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + n));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }

  /** Raw bytes (already encoded). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    let at = this.used;
    if (n < 32) for (let i = 0; i < n; i++) buf[at++] = b[i]!;
    else {
      buf.set(b, at);
      at += n;
    }
    this.used = at;
  }

  /** One byte. */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.used++] = b;
  }

  /** A string known to be ASCII (number texts, keys). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let at = this.used;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.used = at;
  }

  /** A string of characters < 256, one byte each (callers carry UTF-8 bytes in it as Latin-1 characters). */
  latin1(s: string): void {
    this.ensure(s.length);
    this.used += this.buf.write(s, this.used, 'latin1');
  }

  /** Any string, UTF-8 encoded. */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.used += this.buf.write(s, this.used, 'utf8');
  }

  /** A number as JSON.stringify writes it ("null" when not finite). */
  number(v: number): void {
    // String() keeps a cache of recent numbers' texts and beat hand-written digit loops here.
    this.ascii(v - v === 0 ? String(v) : 'null');
  }

  /** `JSON.stringify(s)` in UTF-8. */
  string(s: string): void {
    if (NEEDS_ESCAPE.test(s)) {
      // Escapes and lone surrogates: rare here, so JSON.stringify does them.
      this.text(JSON.stringify(s));
      return;
    }
    this.ensure(s.length * 3 + 2);
    const buf = this.buf;
    buf[this.used++] = 34;
    this.used += buf.write(s, this.used, 'utf8');
    buf[this.used++] = 34;
  }

  /** A JSON value that is a primitive; false when JSON.stringify would leave it out of an object. */
  private primitive(v: unknown): boolean {
    if (v === null) {
      this.ascii('null');
      return true;
    }
    switch (typeof v) {
      case 'number':
        this.number(v);
        return true;
      case 'string':
        this.string(v);
        return true;
      case 'boolean':
        this.ascii(v ? 'true' : 'false');
        return true;
      case 'undefined':
      case 'function':
      case 'symbol':
        return false;
      default:
        this.text(JSON.stringify(v));
        return true;
    }
  }

  /** `JSON.stringify(e)` for a flat object of primitives (the Evidence type); anything else goes to JSON.stringify. */
  evidence(e: Evidence): void {
    if (Object.getPrototypeOf(e) !== Object.prototype) {
      // for-in below would also see inherited keys: leave odd objects to JSON.stringify.
      this.text(JSON.stringify(e));
      return;
    }
    const start = this.used;
    this.ensure(1);
    this.buf[this.used++] = 123;
    let i = 0;
    let first = true;
    // for-in over a plain object walks its own keys in Object.keys order, and reads e[k] fast.
    for (const k in e) {
      const v = e[k];
      const key = this.lastKeys[i] === k ? this.lastKeyBytes[i]! : this.key(k, i);
      i++;
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      if (typeof v === 'object' && v !== null) {
        // Not flat: let JSON.stringify write it all (toJSON, nesting...).
        this.used = start;
        this.text(JSON.stringify(e));
        return;
      }
      this.ensure(key.length + 1);
      const buf = this.buf;
      let at = this.used;
      if (!first) buf[at++] = 44;
      first = false;
      for (let b = 0; b < key.length; b++) buf[at++] = key[b]!;
      this.used = at;
      this.primitive(v);
    }
    this.ensure(1);
    this.buf[this.used++] = 125;
  }

  /** `"key":` encoded, remembered by position. */
  private key(k: string, i: number): Uint8Array {
    let b = this.keyBytes.get(k);
    if (b === undefined) {
      b = Buffer.from(`${JSON.stringify(k)}:`, 'utf8');
      if (this.keyBytes.size < 1000) this.keyBytes.set(k, b);
    }
    if (i < 64) {
      this.lastKeys[i] = k;
      this.lastKeyBytes[i] = b;
    }
    return b;
  }
}
