import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { BuiltinProxyRouter } from '../providers/builtin-proxy/router.js';
import { FakeRouter } from '../testing/fake-router.js';
import { LoadAssist } from './load-assist.js';

/** A loopback HTTP server that counts requests per path. */
async function target(): Promise<{ url: string; hits: Map<string, number>; server: Server }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** The fake router, able to say an entry URL like the built-in proxy's. */
function routerAt(url: string | undefined): FakeRouter {
  const r = new FakeRouter();
  return Object.assign(r, { entryUrl: () => url });
}

const servers: Server[] = [];
const assists: LoadAssist[] = [];
afterEach(async () => {
  await Promise.all(assists.splice(0).map((a) => a.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('LoadAssist', () => {
  it('sends synthetic requests to the router entry URL plus the path, and stops on rps 0', async () => {
    const t = await target();
    servers.push(t.server);
    const a = new LoadAssist(routerAt(`${t.url}/`), { path: '/ping?synthetic=1' }, silentLogger);
    assists.push(a);
    const out = await a.apply({ rps: 50 }, Date.now());
    expect(out).toEqual({ kind: 'started', url: `${t.url}/ping?synthetic=1`, rps: 50 });
    await until('5 requests', () => (t.hits.get('/ping?synthetic=1') ?? 0) >= 5);
    const stopped = await a.apply({ rps: 0 }, Date.now());
    expect(stopped.kind).toBe('stopped');
    expect(stopped.kind === 'stopped' && stopped.stats!.byClass['2xx']).toBeGreaterThanOrEqual(5);
    expect(a.running).toBe(false);
  });

  it('prefers the spec url over the router, and replaces a running generator when applied again', async () => {
    const t = await target();
    servers.push(t.server);
    const a = new LoadAssist(routerAt('http://127.0.0.1:9'), { path: '/', url: t.url }, silentLogger);
    assists.push(a);
    expect(a.target()).toBe(`${t.url}/`);
    await a.apply({ rps: 20 }, Date.now());
    const again = await a.apply({ rps: 40 }, Date.now());
    expect(again).toMatchObject({ kind: 'started', rps: 40 });
    await until('a request', () => (t.hits.get('/') ?? 0) >= 1);
    expect(a.running).toBe(true);
  });

  it('says why when no URL can be found, without throwing; never starts past its deadline', async () => {
    const a = new LoadAssist(new FakeRouter(), { path: '/' }, silentLogger);
    const out = await a.apply({ rps: 20 }, Date.now());
    expect(out.kind).toBe('unavailable');
    expect(out.kind === 'unavailable' && out.reason).toContain('analysis.loadGenerator.url is not set');
    expect(a.running).toBe(false);
    const late = new LoadAssist(routerAt('http://127.0.0.1:9'), { path: '/' }, silentLogger);
    expect(await late.apply({ rps: 20, until: 1_000 }, 2_000)).toEqual({ kind: 'stopped' });
    expect(late.running).toBe(false);
  });

  it('the built-in proxy router tells its listen address, reached on loopback for a wildcard bind', async () => {
    const ctx = { service: 'shop', dataDir: '/tmp/chimera-load-assist-test', log: silentLogger };
    const cases: Array<[string, string | undefined]> = [
      ['127.0.0.1:18080', 'http://127.0.0.1:18080'],
      ['0.0.0.0:18080', 'http://127.0.0.1:18080'],
      ['[::]:18080', 'http://[::1]:18080'],
      ['127.0.0.1:0', undefined],
    ];
    for (const [listen, url] of cases) {
      const r = new BuiltinProxyRouter({ kind: 'builtin-proxy', listen, admin: '127.0.0.1:18081' }, ctx);
      expect(r.entryUrl()).toBe(url);
      await r.close();
    }
  });
});
