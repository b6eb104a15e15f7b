import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { connect, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../src/proxy/index.js';
import { admin, tempDir } from './helpers.js';

const TOKEN = 't0ken';

/** Sends raw bytes to `address` and returns everything received until the server closes the connection. */
function exchange(address: string, bytes: string): Promise<string> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ host, port }, () => s.write(bytes));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.on('error', reject);
    s.setTimeout(20_000, () => s.destroy(new Error('no close from the proxy')));
  });
}

describe('raw engine: HTTP/1.1 framing through the proxy', () => {
  let upstream: Server;
  let closer: NetServer;
  let silent: NetServer;
  let proxy: RunningProxy;
  let tmp: { dir: string; remove(): Promise<void> };
  const ports: Record<string, number> = {};
  const route = (version: string) =>
    admin(proxy.adminAddress, 'PUT', '/admin/routes', TOKEN, {
      stable: { version, endpoints: [`127.0.0.1:${ports[version]}`] },
    });

  beforeAll(async () => {
    upstream = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('x-method', req.method ?? '');
        res.write(`got ${Buffer.concat(chunks).length} bytes;`); // no Content-Length: chunked response
        res.end(` url ${req.url}`);
      });
    });
    // answers with a close-delimited body (no Content-Length, no chunking)
    closer = createNetServer((s) =>
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil close')),
    );
    silent = createNetServer((s) => s.resume()); // reads, never answers
    for (const [name, srv] of [
      ['v1', upstream],
      ['close', closer],
      ['silent', silent],
    ] as const) {
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      ports[name] = (srv.address() as { port: number }).port;
    }
    tmp = await tempDir();
    proxy = await startProxy({
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      stateFile: join(tmp.dir, 'routes.json'),
      token: TOKEN,
      timeouts: { responseMs: 300 },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    upstream?.closeAllConnections();
    await Promise.all([upstream, closer, silent].map((s) => new Promise((r) => s?.close(r))));
    await tmp?.remove();
  });

  it('passes chunked responses through and serves pipelined requests in order on one connection', async () => {
    await route('v1');
    const out = await exchange(
      proxy.listenAddress,
      'GET /one HTTP/1.1\r\nHost: a\r\n\r\nHEAD /two HTTP/1.1\r\nHost: a\r\n\r\nGET /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect(out.match(/^HTTP\/1\.1 200 OK/gm)).toHaveLength(3);
    expect(out).toContain('Transfer-Encoding: chunked');
    expect(out.indexOf('url /one')).toBeLessThan(out.indexOf('x-method: HEAD'));
    expect(out.indexOf('x-method: HEAD')).toBeLessThan(out.indexOf('url /three'));
    expect(out).not.toContain('url /two'); // HEAD: no body
  });

  it('streams a chunked request body', async () => {
    await route('v1');
    const out = await exchange(
      proxy.listenAddress,
      'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n',
    );
    expect(out).toContain('got 7 bytes;');
  });

  it('answers Expect: 100-continue itself and then forwards the body', async () => {
    await route('v1');
    const status = await new Promise<number>((resolve, reject) => {
      const r = httpRequest(`http://${proxy.listenAddress}/c`, {
        method: 'POST',
        headers: { expect: '100-continue', 'content-length': 5 },
      });
      r.on('continue', () => r.end('12345'));
      r.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
    });
    expect(status).toBe(200);
  });

  it('refuses a request with both Content-Length and Transfer-Encoding (smuggling) and closes', async () => {
    await route('v1');
    const out = await exchange(
      proxy.listenAddress,
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toMatch(/connection: close/i);
  });

  it('serves an HTTP/1.0 client and closes after the response', async () => {
    await route('v1');
    const out = await exchange(proxy.listenAddress, 'GET /old HTTP/1.0\r\n\r\n');
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(out).toContain('url /old');
  });

  it('relays a close-delimited upstream response and closes the client connection after it', async () => {
    await route('close');
    const out = await exchange(proxy.listenAddress, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(out).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(out).toMatch(/connection: close/i);
    expect(out.endsWith('until close')).toBe(true);
  });

  it('answers 504 when the upstream stays silent past the response timeout, counted as an error', async () => {
    await route('silent');
    const out = await exchange(proxy.listenAddress, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(out).toMatch(/^HTTP\/1\.1 504 /);
    const c = (await admin(proxy.adminAddress, 'GET', '/admin/counters', TOKEN)).body;
    expect(c.versions.silent).toMatchObject({ requests: 1, errors: 1 });
  });
});
