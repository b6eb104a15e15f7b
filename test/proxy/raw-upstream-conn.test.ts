import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../src/proxy/index.js';
import { admin, tempDir } from './helpers.js';

const TOKEN = 't0ken';

/** A raw upstream: answers each complete request (head + Content-Length body) with `n=<body length>`. */
interface RawUpstream {
  server: Server;
  port: number;
  sockets: Socket[];
}

async function rawUpstream(): Promise<RawUpstream> {
  const u = { sockets: [] as Socket[] } as RawUpstream;
  u.server = createServer((s) => {
    u.sockets.push(s);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.slice(end + 4 + length);
        const body = `n=${length}`;
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => u.server.listen(0, '127.0.0.1', r));
  u.port = (u.server.address() as { port: number }).port;
  return u;
}

/** One request on a fresh client connection; `pauseMs` between the head and the body. Resolves with the reply. */
function request(address: string, body: string, pauseMs = 0): Promise<string> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    let out = '';
    const s = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) }, () => {
      s.write(`POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`);
      setTimeout(() => s.write(body), pauseMs);
    });
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('raw engine: upstream connections handed from request to request', () => {
  let up: RawUpstream;
  let proxy: RunningProxy;
  let tmp: { dir: string; remove(): Promise<void> };

  beforeAll(async () => {
    up = await rawUpstream();
    tmp = await tempDir();
    proxy = await startProxy({
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      stateFile: join(tmp.dir, 'routes.json'),
      token: TOKEN,
      timeouts: { responseMs: 300 },
    });
    await admin(proxy.adminAddress, 'PUT', '/admin/routes', TOKEN, {
      stable: { version: 'v1', endpoints: [`127.0.0.1:${up.port}`] },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    up?.sockets.forEach((s) => s.destroy());
    await new Promise((r) => up?.server.close(r));
    await tmp?.remove();
  });

  it('given a client slower with its body than the response timeout, then the upstream is not timed out', async () => {
    const out = await request(proxy.listenAddress, 'hello', 900);
    expect(out).toMatch(/^HTTP\/1\.1 200 /);
    expect(out.endsWith('n=5')).toBe(true);
  });

  it('given an idle upstream connection, then it is closed after the idle limit and the next request opens one', async () => {
    expect(await request(proxy.listenAddress, 'a')).toMatch(/n=1$/);
    const last = up.sockets.at(-1)!;
    let closed = false;
    last.once('close', () => (closed = true));
    await until(() => closed, 'the proxy to close its idle upstream connection');
    const before = up.sockets.length;
    expect(await request(proxy.listenAddress, 'ab')).toMatch(/n=2$/);
    expect(up.sockets.length).toBe(before + 1);
  });

  it('given bytes from an idle upstream connection, then that connection is dropped, never reused', async () => {
    expect(await request(proxy.listenAddress, 'a')).toMatch(/n=1$/);
    const last = up.sockets.at(-1)!;
    let closed = false;
    last.once('close', () => (closed = true));
    last.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL');
    await until(() => closed, 'the proxy to drop the connection');
    const out = await request(proxy.listenAddress, 'abc');
    expect(out).toMatch(/n=3$/);
    expect(out).not.toContain('EVIL');
  });
});
