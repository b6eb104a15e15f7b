import { createServer as createHttpServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../src/proxy/index.js';
import { admin, tempDir } from './helpers.js';

const TOKEN = 't0ken';

/**
 * Sends `parts` as separate writes (Nagle off, each after the previous one was handed to the kernel) and returns
 * everything received until the proxy closes the connection.
 */
function send(address: string, parts: string[]): Promise<string> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), noDelay: true }, () => {
      const writeNext = (k: number): void => {
        if (k < parts.length) s.write(Buffer.from(parts[k]!, 'latin1'), () => writeNext(k + 1));
      };
      writeNext(0);
    });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.on('error', reject);
    s.setTimeout(20_000, () => s.destroy(new Error('no close from the proxy')));
  });
}

/** The upstream's answers: `<method> <url> body=<n> <raw headers as JSON>`, one per request. */
const answers = (out: string): string[] => [...out.matchAll(/^(\w+ \S+ body=\d+ \[.*\])$/gm)].map((m) => m[1]!);

describe('raw engine: byte-level head parsing through the proxy', () => {
  let upstream: Server;
  let proxy: RunningProxy;
  let tmp: { dir: string; remove(): Promise<void> };

  beforeAll(async () => {
    upstream = createHttpServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        const raw = req.rawHeaders.filter((_h, i) => i % 2 === 0 || req.rawHeaders[i - 1] !== 'x-forwarded-for');
        res.setHeader('content-type', 'text/plain');
        res.end(`\n${req.method} ${req.url} body=${n} ${JSON.stringify(raw)}\n`);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    tmp = await tempDir();
    proxy = await startProxy({
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      stateFile: join(tmp.dir, 'routes.json'),
      token: TOKEN,
    });
    const port = (upstream.address() as { port: number }).port;
    await admin(proxy.adminAddress, 'PUT', '/admin/routes', TOKEN, {
      stable: { version: 'v1', endpoints: [`127.0.0.1:${port}`] },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
    await tmp?.remove();
  });

  const pipelined =
    'POST /one HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Hop: 1\r\nConnection: X-Hop\r\n\r\nhello' +
    'GET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';

  it('given requests written one byte at a time, then both are forwarded whole and in order', async () => {
    const out = await send(proxy.listenAddress, [...pipelined]);
    expect(answers(out)).toEqual([
      'POST /one body=5 ["Host","a","Content-Length","5","x-forwarded-proto","http","x-forwarded-host","a","x-forwarded-for"]',
      'GET /two body=0 ["Host","a","x-forwarded-proto","http","x-forwarded-host","a","x-forwarded-for"]',
    ]);
  });

  it('given the stream split in two at every offset of the first head, then the answers are the same', async () => {
    const headEnd = pipelined.indexOf('\r\n\r\n') + 4;
    const want = answers(await send(proxy.listenAddress, [pipelined]));
    expect(want).toHaveLength(2);
    for (let k = 1; k <= headEnd; k++) {
      expect(answers(await send(proxy.listenAddress, [pipelined.slice(0, k), pipelined.slice(k)]))).toEqual(want);
    }
  });

  it('given Connection naming Content-Length, then the body still travels as a body (no smuggled request)', async () => {
    const out = await send(proxy.listenAddress, [
      'POST /a HTTP/1.1\r\nHost: a\r\nConnection: content-length\r\nContent-Length: 26\r\n\r\n' +
        'GET /smuggled HTTP/1.1\r\n\r\n' +
        'GET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    ]);
    expect(answers(out).map((a) => a.split(' [')[0])).toEqual(['POST /a body=26', 'GET /b body=0']);
  });

  it.each([
    ['a bare LF inside a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\nContent-Length: 5\r\n\r\nhello', 400],
    ['an obs-fold line', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n Content-Length: 5\r\n\r\nhello', 400],
    ['two Content-Lengths', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 400],
    ['a NUL in a header name', 'GET / HTTP/1.1\r\nHost: a\r\nX\u0000A: 1\r\n\r\n', 400],
    [
      'a chunk extension with a bare LF',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;x\n\r\na\r\n0\r\n\r\n',
      400,
    ],
    [
      'Transfer-Encoding twice',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
      501,
    ],
  ])('given %s, then the proxy answers itself and closes', async (_what, text, status) => {
    const out = await send(proxy.listenAddress, [text]);
    expect(out.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(out).toMatch(/connection: close/i);
    expect(answers(out)).toEqual([]);
  });

  it('given a head over 64 KiB, then 431 and nothing reaches the upstream', async () => {
    const out = await send(proxy.listenAddress, [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(70_000)}\r\n\r\n`]);
    expect(out.startsWith('HTTP/1.1 431 ')).toBe(true);
    expect(answers(out)).toEqual([]);
  });
});
