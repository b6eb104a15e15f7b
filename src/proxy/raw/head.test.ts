import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedScanner } from './http1.js';
import { MAX_HEAD, ParseError, parseHead } from './head.js';
import { forwardRequestHead, relayResponseHead } from './rewrite.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const req = (text: string) => parseHead(bytes(text), 'request');
const res = (text: string) => parseHead(bytes(text), 'response');
const TAIL = bytes('10.0.0.9\r\n\r\n');
const forward = (text: string): string => forwardRequestHead(req(text)!, TAIL).toString('latin1');

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParseError) return err.status;
    throw err;
  }
  return 0;
}

describe('parseHead (byte-level)', () => {
  const twoRequests =
    'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-A:  padded \t\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\n';

  it('given the head split at every byte offset, then it is incomplete until its last byte and then whole', () => {
    const buf = bytes(twoRequests);
    const whole = parseHead(buf, 'request')!;
    for (let k = 0; k < whole.size; k++) expect(parseHead(buf.subarray(0, k), 'request')).toBeNull();
    for (let k = whole.size; k <= buf.length; k++) {
      const h = parseHead(buf.subarray(0, k), 'request')!;
      expect([h.size, h.length, h.names, h.values]).toEqual([whole.size, 3, whole.names, whole.values]);
    }
    expect(whole.values).toEqual(['x', '3', 'padded']);
  });

  it('given pipelined requests, then each head ends where the next message begins', () => {
    const buf = bytes(twoRequests);
    const first = parseHead(buf, 'request')!;
    const second = parseHead(buf.subarray(first.size + first.length), 'request')!;
    expect(second.line).toEqual(['GET', '/b', 1]);
    expect(first.size + first.length + second.size).toBe(buf.length);
  });

  it.each([
    ['obs-fold continuation line', 'GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n', 400],
    ['obs-fold with a tab', 'GET / HTTP/1.1\r\nX-A: 1\r\n\tfolded\r\n\r\n', 400],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
    ['a list as Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n', 400],
    ['Content-Length with a sign', 'POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n', 400],
    ['an empty Content-Length', 'POST / HTTP/1.1\r\nContent-Length: \r\n\r\n', 400],
    ['16 digits of Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 1234567890123456\r\n\r\n', 400],
    ['CL then TE', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['TE then CL', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 400],
    ['TE twice', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 501],
    ['an empty TE before chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: \r\nTransfer-Encoding: chunked\r\n\r\n', 501],
    ['TE other than chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['TE chunked with junk', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunkedx\r\n\r\n', 501],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400],
    ['no colon', 'GET / HTTP/1.1\r\nHost x\r\n\r\n', 400],
    ['empty name', 'GET / HTTP/1.1\r\n: x\r\n\r\n', 400],
    ['a non-token byte in a name', 'GET / HTTP/1.1\r\nX@A: x\r\n\r\n', 400],
    ['obs-text in a name', 'GET / HTTP/1.1\r\nX\u00e9: x\r\n\r\n', 400],
    ['NUL in a value', 'GET / HTTP/1.1\r\nX-A: a\u0000b\r\n\r\n', 400],
    ['DEL in a value', 'GET / HTTP/1.1\r\nX-A: a\u007fb\r\n\r\n', 400],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n', 400],
    ['a bare LF in a value', 'GET / HTTP/1.1\r\nX-A: a\nContent-Length: 5\r\n\r\n', 400],
    ['a bare LF in a name', 'GET / HTTP/1.1\r\nX\nA: a\r\n\r\n', 400],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['a control byte in the target', 'GET /a\u0001 HTTP/1.1\r\n\r\n', 400],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\n\r\n', 400],
    ['a bare LF after the request line', 'GET / HTTP/1.1\nHost: x\r\n\r\n', 400],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\n\r\n', 400],
    ['no method', ' / HTTP/1.1\r\n\r\n', 400],
  ])('refuses %s with %d', (_what, text, status) => {
    expect(statusOf(() => req(text))).toBe(status);
  });

  it('accepts what is unambiguous: repeated equal Content-Lengths, TE in any case, obs-text values, no OWS', () => {
    expect(req('POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n')!.length).toBe(3);
    expect(req('POST / HTTP/1.1\r\nTRANSFER-ENCODING:Chunked\r\n\r\n')!.length).toBe(-1);
    expect(req('GET / HTTP/1.1\r\nX-A: caf\u00e9\r\n\r\n')!.values).toEqual(['caf\u00e9']);
    expect(req('GET / HTTP/1.1\r\nX-A:\r\n\r\n')!.values).toEqual(['']);
    expect(req('GET / HTTP/1.0\r\n\r\n')!.line).toEqual(['GET', '/', 0]);
  });

  it('refuses a head over 64 KiB whether or not its end has arrived, and accepts one just under', () => {
    const line = 'GET / HTTP/1.1\r\n';
    const filler = (n: number): string => `X-Pad: ${'a'.repeat(n)}\r\n`;
    const pad = MAX_HEAD - line.length - 'X-Pad: \r\n\r\n'.length;
    const fits = line + filler(pad) + '\r\n';
    expect(fits.length).toBe(MAX_HEAD);
    expect(req(fits)!.size).toBe(MAX_HEAD);
    expect(statusOf(() => req(line + filler(pad + 1) + '\r\n'))).toBe(431);
    expect(statusOf(() => req(line + filler(MAX_HEAD)))).toBe(431);
  });

  it('parses status lines, with or without a reason, and refuses malformed ones with 502', () => {
    expect(res('HTTP/1.1 204 No Content\r\n\r\n')!.status).toBe(204);
    expect(res('HTTP/1.0 200\r\nContent-Length: 2\r\n\r\nok')!.line).toEqual(['200', '', 0]);
    for (const bad of [
      'HTTP/1.1 20 OK\r\n\r\n',
      'HTTP/1.1 2000 OK\r\n\r\n',
      'HTTP/1.1 200 O\u0000K\r\n\r\n',
      'HTTP/2 200\r\n\r\n',
    ]) {
      expect(statusOf(() => res(bad))).toBe(502);
    }
  });
});

describe('forwardRequestHead', () => {
  it('copies the start line and headers as sent, drops hop-by-hop ones and adds X-Forwarded-*', () => {
    expect(
      forward(
        'GET /p?q HTTP/1.1\r\nHost:  h:1 \r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\n' +
          'TE: trailers\r\nAccept: */*\r\nX-Forwarded-For: 1.1.1.1\r\nExpect: 100-continue\r\nUpgrade: h2c\r\n\r\n',
      ),
    ).toBe(
      'GET /p?q HTTP/1.1\r\nHost:  h:1 \r\nAccept: */*\r\nx-forwarded-proto: http\r\nx-forwarded-host: h:1\r\n' +
        'x-forwarded-for: 1.1.1.1, 10.0.0.9\r\n\r\n',
    );
  });

  it('keeps the client’s own X-Forwarded-Proto/-Host and merges several X-Forwarded-For lines', () => {
    expect(
      forward(
        'GET / HTTP/1.1\r\nX-Forwarded-For: a\r\nX-Forwarded-Proto: https\r\nHost: h\r\nX-Forwarded-Host: o\r\nx-forwarded-for: b\r\n\r\n',
      ),
    ).toBe(
      'GET / HTTP/1.1\r\nX-Forwarded-Proto: https\r\nHost: h\r\nX-Forwarded-Host: o\r\nx-forwarded-for: a, b, 10.0.0.9\r\n\r\n',
    );
  });

  it('never drops framing or Host because Connection names them (the next hop must frame alike)', () => {
    const h = req(
      'POST / HTTP/1.1\r\nHost: h\r\nConnection: content-length, host, close\r\nContent-Length: 3\r\n\r\n',
    )!;
    expect(h.connClose).toBe(true);
    expect(forwardRequestHead(h, TAIL).toString('latin1')).toContain('\r\nContent-Length: 3\r\n');
    expect(forwardRequestHead(h, TAIL).toString('latin1')).toContain('\r\nHost: h\r\n');
  });

  it('matches a header-by-header rebuild for any valid head (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,12}$/);
    const value = fc.stringMatching(/^[!-~\u0080-\u00ff]([ \t!-~\u0080-\u00ff]{0,20}[!-~\u0080-\u00ff])?$/);
    const special = fc.constantFrom('Connection', 'Keep-Alive', 'TE', 'Upgrade', 'X-Forwarded-For', 'Host', 'X-Other');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(name, special), value, fc.constantFrom('', ' ', '\t ')), { maxLength: 12 }),
        (fields) => {
          const lower = fields.map(([n]) => n.toLowerCase());
          fc.pre(lower.filter((n) => n === 'host').length <= 1);
          fc.pre(!lower.some((n) => ['content-length', 'transfer-encoding', 'expect', 'proxy-connection'].includes(n)));
          fc.pre(
            !lower.some(
              (n) => n.startsWith('proxy-') || n === 'trailer' || n === 'x-forwarded-proto' || n === 'x-forwarded-host',
            ),
          );
          const text = `GET /x HTTP/1.1\r\n${fields.map(([n, v, ows]) => `${n}:${ows}${v}${ows}\r\n`).join('')}\r\n`;
          const conn = fields.filter((_f, i) => lower[i] === 'connection').flatMap(([, v]) => v.split(','));
          const listed = new Set(
            conn.map((t) => t.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase()).filter((t) => t && t !== 'close'),
          );
          const hop = new Set(['connection', 'keep-alive', 'te', 'upgrade']);
          const protectedNames = new Set(['host', 'x-forwarded-for']);
          let want = 'GET /x HTTP/1.1\r\n';
          const xff: string[] = [];
          let host: string | undefined;
          fields.forEach(([n, v, ows], i) => {
            const l = lower[i]!;
            if (hop.has(l) || (listed.has(l) && !protectedNames.has(l))) return;
            if (l === 'x-forwarded-for') return void xff.push(v);
            if (l === 'host') host = v;
            want += `${n}:${ows}${v}${ows}\r\n`;
          });
          want += 'x-forwarded-proto: http\r\n';
          if (host) want += `x-forwarded-host: ${host}\r\n`;
          want += `x-forwarded-for: ${[...xff, '10.0.0.9'].join(', ')}\r\n\r\n`;
          expect(forward(text)).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('relayResponseHead', () => {
  it('rewrites the version, drops hop-by-hop lines, adds connection: close when asked, and appends the body', () => {
    const text =
      'HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-A: b\r\n\r\nokEXTRA';
    const h = res(text)!;
    const buf = bytes(text).subarray(h.size);
    expect(relayResponseHead(h, false, buf, 2).toString('latin1')).toBe(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok',
    );
    expect(relayResponseHead(h, true, buf, 0).toString('latin1')).toBe(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\nconnection: close\r\n\r\n',
    );
  });
});

describe('ChunkedScanner strictness', () => {
  it.each([
    ['a bare LF in a chunk extension', '5;a\nb\r\nhello\r\n0\r\n\r\n'],
    ['a control byte in a chunk extension', '5;a\u0000\r\nhello\r\n0\r\n\r\n'],
    ['a bare LF ending the trailer section', '0\r\n\n'],
    ['a bare LF in a trailer line', '0\r\nX: a\nb\r\n\r\n'],
    ['a bare CR in a trailer line', '0\r\nX: a\rb\r\n\r\n'],
  ])('refuses %s', (_what, body) => {
    expect(statusOf(() => new ChunkedScanner().feed(bytes(body)))).toBe(400);
  });
});
