/**
 * The heads the raw engine sends on: the client's request head for the upstream and the upstream's response head
 * for the client, each built as ONE Buffer by copying runs of the original bytes with only the hop-by-hop lines
 * cut out — no per-header strings — so each message costs one socket write.
 */
import { H_CONNECTION, H_EXPECT, H_HOP, H_HOST, H_OTHER, H_XFF, H_XFH, H_XFP } from './fields.js';
import { FIELD_STRIDE, type Head } from './head.js';

const XFP_LINE = Buffer.from('x-forwarded-proto: http\r\n');
const XFH_NAME = Buffer.from('x-forwarded-host: ');
const XFF_NAME = Buffer.from('x-forwarded-for: ');
const CRLF = Buffer.from('\r\n');
const CLOSE_END = Buffer.from('connection: close\r\n\r\n');
const HTTP11 = Buffer.from('HTTP/1.1 ');

/** Which header lines to copy, reused between calls (the engine is single-threaded and these calls synchronous). */
let keep = new Uint8Array(256);

/**
 * Whether header line `i` (an offset into `head.fields`) is dropped: hop-by-hop names, `Expect` (answered by the
 * proxy) and names the Connection header lists. Connection-listed names never remove framing, Host or forwarding
 * headers: dropping Content-Length or Transfer-Encoding on a client's say-so would make the next hop frame the
 * message differently from the proxy (request smuggling).
 */
function dropped(head: Head, i: number): boolean {
  const kind = head.fields[i + 4];
  if (kind === H_CONNECTION || kind === H_HOP || kind === H_EXPECT) return true;
  if (kind !== H_OTHER || head.connOther === null) return false;
  return head.connOther.includes(head.buf.toString('latin1', head.fields[i], head.fields[i + 1]).toLowerCase());
}

/** Where header line `k` ends (after its CRLF). */
function lineEnd(head: Head, k: number): number {
  const next = (k + 1) * FIELD_STRIDE;
  return next < head.fields.length ? head.fields[next]! : head.size - 2;
}

/** Copies the kept header lines of `head` into `out` at `pos`, merging adjacent lines into one copy. */
function copyKept(head: Head, firstStart: number, out: Buffer, pos: number): number {
  const f = head.fields;
  let s = firstStart;
  let e = head.lineEnd;
  for (let k = 0, i = 0; i < f.length; k++, i += FIELD_STRIDE) {
    if (keep[k] === 0) continue;
    const ls = f[i]!;
    const le = lineEnd(head, k);
    if (ls !== e) {
      pos += head.buf.copy(out, pos, s, e);
      s = ls;
    }
    e = le;
  }
  return pos + head.buf.copy(out, pos, s, e);
}

function sizeKeep(head: Head): void {
  const n = head.fields.length / FIELD_STRIDE;
  if (keep.length < n) keep = new Uint8Array(n * 2);
}

/**
 * The request head for the upstream: the client's start line and headers minus hop-by-hop ones, plus
 * X-Forwarded-Proto (unless sent), X-Forwarded-Host (from Host, unless sent) and X-Forwarded-For (the client's
 * values, merged, then the client address). `clientTail` is the client address followed by CRLF CRLF.
 */
export function forwardRequestHead(head: Head, clientTail: Buffer): Buffer {
  sizeKeep(head);
  const f = head.fields;
  const b = head.buf;
  let size = head.lineEnd;
  let xff: string | null = null;
  let sawProto = false;
  let sawHost = false;
  let hostStart = 0;
  let hostEnd = 0;
  for (let k = 0, i = 0; i < f.length; k++, i += FIELD_STRIDE) {
    const kind = f[i + 4];
    let kept = !dropped(head, i);
    if (kind === H_XFF) {
      const v = b.toString('latin1', f[i + 2], f[i + 3]);
      xff = xff === null ? v : `${xff}, ${v}`;
      kept = false;
    } else if (kind === H_XFP) sawProto = true;
    else if (kind === H_XFH) sawHost = true;
    else if (kind === H_HOST) {
      hostStart = f[i + 2]!;
      hostEnd = f[i + 3]!;
    }
    keep[k] = kept ? 1 : 0;
    if (kept) size += lineEnd(head, k) - f[i]!;
  }
  const addHost = !sawHost && hostEnd > hostStart;
  if (!sawProto) size += XFP_LINE.length;
  if (addHost) size += XFH_NAME.length + (hostEnd - hostStart) + 2;
  size += XFF_NAME.length + (xff === null ? 0 : Buffer.byteLength(xff, 'latin1') + 2) + clientTail.length;

  const out = Buffer.allocUnsafe(size);
  let pos = copyKept(head, 0, out, 0);
  if (!sawProto) pos += XFP_LINE.copy(out, pos);
  if (addHost) {
    pos += XFH_NAME.copy(out, pos);
    pos += b.copy(out, pos, hostStart, hostEnd);
    pos += CRLF.copy(out, pos);
  }
  pos += XFF_NAME.copy(out, pos);
  if (xff !== null) pos += out.write(`${xff}, `, pos, 'latin1');
  clientTail.copy(out, pos);
  return out;
}

/**
 * The response head for the client, followed by the first `bodyLength` bytes of `body` (what arrived with the
 * head) so head and body go out in one write: status line as HTTP/1.1, headers minus hop-by-hop ones, and
 * `connection: close` when the proxy will close the client connection after this response.
 */
export function relayResponseHead(head: Head, closeClient: boolean, body: Buffer, bodyLength: number): Buffer {
  sizeKeep(head);
  const f = head.fields;
  // "HTTP/1.x " is 9 bytes, like its replacement: the start line keeps its length.
  let size = head.lineEnd;
  for (let k = 0, i = 0; i < f.length; k++, i += FIELD_STRIDE) {
    const kept = !dropped(head, i);
    keep[k] = kept ? 1 : 0;
    if (kept) size += lineEnd(head, k) - f[i]!;
  }
  const end = closeClient ? CLOSE_END : CRLF;
  size += end.length + bodyLength;
  const out = Buffer.allocUnsafe(size);
  let pos = HTTP11.copy(out, 0);
  pos = copyKept(head, HTTP11.length, out, pos);
  pos += end.copy(out, pos);
  body.copy(out, pos, 0, bodyLength);
  return out;
}
