import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

/** A tiny upstream service: answers its version; `/fail` → 500; `/echo` → the request body and headers. */
export interface Upstream {
  version: string;
  port: number;
  endpoint: { host: string; port: number };
  /** TCP connections it accepted (keep-alive reuse shows as few). */
  connections: number;
  close(): Promise<void>;
}

export async function startUpstream(version: string): Promise<Upstream> {
  const u = { version, port: 0, endpoint: { host: '127.0.0.1', port: 0 }, connections: 0 } as Upstream;
  const server: Server = createHttpServer((req, res) => {
    if (req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('x-seen-headers', JSON.stringify(req.headers));
        res.setHeader('connection', 'keep-alive, x-upstream-hop');
        res.setHeader('x-upstream-hop', 'should not pass');
        res.end(Buffer.concat(chunks));
      });
      return;
    }
    res.statusCode = req.url?.startsWith('/fail') ? 500 : 200;
    res.end(version);
  });
  server.on('connection', () => u.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  u.port = (server.address() as { port: number }).port;
  u.endpoint = { host: '127.0.0.1', port: u.port };
  u.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return u;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function tempDir(prefix = 'chimera-proxy-test-'): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** JSON read loosely in tests: the assertions check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** One admin API call; returns status and parsed JSON (or text). */
export async function admin(
  address: string,
  method: 'GET' | 'PUT',
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await request(`http://${address}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: res.statusCode, body: parsed };
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
