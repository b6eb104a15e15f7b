import { describe, expect, it } from 'vitest';
import { BodyTracker, ChunkedScanner, ParseError, parseHead } from './http1.js';

const req = (text: string) => parseHead(Buffer.from(text, 'latin1'), 'request');

describe('parseHead', () => {
  it('parses a request head and its framing', () => {
    const h = req(
      'POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: keep-alive, X-Hop\r\n\r\nhello',
    )!;
    expect(h.line).toEqual(['POST', '/a?b=1', 1]);
    expect(h.length).toBe(5);
    expect(h.connection).toEqual(['keep-alive', 'x-hop']);
    expect(h.size).toBe(h.size); // head ends before the body
    expect(h.names).toEqual(['Host', 'Content-Length', 'Connection']);
  });

  it('returns null until the head is complete', () => {
    expect(req('GET / HTTP/1.1\r\nHost: x\r\n')).toBeNull();
  });

  it.each([
    ['GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
    ['GET / HTTP/1.1\r\n folded: header\r\n\r\n', 400],
    ['GET /\r\n\r\n', 400],
    ['GET / HTTP/2.0\r\n\r\n', 400],
  ])('refuses an ambiguous or malformed head %j with %d (no request smuggling)', (text, status) => {
    expect(() => req(text)).toThrow(ParseError);
    try {
      req(text);
    } catch (err) {
      expect((err as ParseError).status).toBe(status);
    }
  });

  it('refuses a head larger than 64 KiB', () => {
    expect(() => req('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(70_000))).toThrow(ParseError);
  });
});

describe('ChunkedScanner', () => {
  const body = Buffer.from('5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT');

  it('finds the end of a chunked body, whole or split byte by byte', () => {
    const whole = new ChunkedScanner();
    expect(whole.feed(body)).toBe(body.length - 4);
    expect(whole.done).toBe(true);
    const split = new ChunkedScanner();
    let taken = 0;
    for (let i = 0; i < body.length && !split.done; i++) taken += split.feed(body.subarray(i, i + 1));
    expect(taken).toBe(body.length - 4);
  });

  it('refuses a malformed chunk', () => {
    expect(() => new ChunkedScanner().feed(Buffer.from('zz\r\n'))).toThrow(ParseError);
    expect(() => new ChunkedScanner().feed(Buffer.from('2\r\nabX'))).toThrow(ParseError);
  });
});

describe('BodyTracker', () => {
  it('takes exactly a fixed length, leaving the rest', () => {
    const t = new BodyTracker(3);
    expect(t.take(Buffer.from('ab'))).toBe(2);
    expect(t.take(Buffer.from('cdef'))).toBe(1);
    expect(t.done).toBe(true);
  });
  it('never ends a close-delimited body by itself', () => {
    const t = new BodyTracker(0, true);
    expect(t.take(Buffer.from('abc'))).toBe(3);
    expect(t.done).toBe(false);
  });
});
