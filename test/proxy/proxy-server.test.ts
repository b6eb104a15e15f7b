import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Pool, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../src/proxy/index.js';
import { admin, freePort, type Json, startUpstream, tempDir, type Upstream } from './helpers.js';

const TOKEN = 'test-token-1234';

describe.each(['raw', 'node'] as const)('chimera proxy, %s engine (in-process, real sockets)', (engine) => {
  let v1: Upstream;
  let v2: Upstream;
  let proxy: RunningProxy;
  let tmp: { dir: string; remove(): Promise<void> };
  let stateFile: string;
  let pool: Pool;

  const routes = (body: unknown) => admin(proxy.adminAddress, 'PUT', '/admin/routes', TOKEN, body);
  const counters = async (): Promise<Json> => (await admin(proxy.adminAddress, 'GET', '/admin/counters', TOKEN)).body;
  async function get(path = '/'): Promise<{ status: number; text: string }> {
    const res = await pool.request({ path, method: 'GET' });
    return { status: res.statusCode, text: await res.body.text() };
  }

  beforeAll(async () => {
    [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
    tmp = await tempDir();
    stateFile = join(tmp.dir, 'routes.json');
    proxy = await startProxy({
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      stateFile,
      token: TOKEN,
      service: 'web',
      engine,
    });
    pool = new Pool(`http://${proxy.listenAddress}`, { connections: 16 });
  });
  afterAll(async () => {
    await pool?.close();
    await proxy?.close();
    await Promise.all([v1?.close(), v2?.close()]);
    await tmp?.remove();
  });

  it('given no backends, then requests get 503 with a clear body', async () => {
    const r = await get();
    expect(r.status).toBe(503);
    expect(r.text).toMatch(/no backends configured/);
  });

  it('given 25% to the canary, then 2000 requests split 500 ± 1 and the counters match what upstreams saw', async () => {
    const set = await routes({
      stable: { version: 'v1', endpoints: [`127.0.0.1:${v1.port}`] },
      canary: { version: 'v2', endpoints: [v2.endpoint] },
      canaryWeight: 25,
    });
    expect(set.status).toBe(200);
    const before = await counters();
    const seen: Record<string, number> = { v1: 0, v2: 0 };
    for (let batch = 0; batch < 20; batch++) {
      const replies = await Promise.all(Array.from({ length: 100 }, () => get()));
      for (const r of replies) seen[r.text] = (seen[r.text] ?? 0) + 1;
    }
    expect(seen.v1! + seen.v2!).toBe(2000);
    expect(Math.abs(seen.v2! - 500)).toBeLessThanOrEqual(1);
    const after = await counters();
    expect(after.versions.v2.requests - (before.versions.v2?.requests ?? 0)).toBe(seen.v2);
    expect(after.versions.v1.requests - (before.versions.v1?.requests ?? 0)).toBe(seen.v1);
    expect(after.versions.v2.latency.count).toBe(after.versions.v2.requests);
  });

  it('when upstreams answer 500, then those count as errors of the version that served them', async () => {
    await routes({ canaryWeight: 100 });
    const before = await counters();
    for (let i = 0; i < 7; i++) expect((await get('/fail')).status).toBe(500);
    for (let i = 0; i < 3; i++) expect((await get('/')).status).toBe(200);
    const after = await counters();
    expect(after.versions.v2.errors - before.versions.v2.errors).toBe(7);
    expect(after.versions.v2.requests - before.versions.v2.requests).toBe(10);
    expect(after.versions.v1.errors).toBe(before.versions.v1.errors);
  });

  it('given a dead canary endpoint, then requests get 502 counted as canary errors', async () => {
    const dead = await freePort();
    await routes({ canary: { version: 'v9', endpoints: [`127.0.0.1:${dead}`] }, canaryWeight: 100 });
    for (let i = 0; i < 4; i++) {
      const r = await get();
      expect(r.status).toBe(502);
      expect(r.text).toMatch(/upstream failed/);
    }
    const c = await counters();
    expect(c.versions.v9).toMatchObject({ requests: 4, errors: 4 });
    await routes({ canary: { version: 'v2', endpoints: [v2.endpoint] }, canaryWeight: 0 });
  });

  it('given no or a wrong token, then the admin API answers 401; /metrics and /healthz need none', async () => {
    for (const path of ['/admin/routes', '/admin/counters']) {
      expect((await admin(proxy.adminAddress, 'GET', path, undefined)).status).toBe(401);
      expect((await admin(proxy.adminAddress, 'GET', path, 'wrong')).status).toBe(401);
    }
    expect((await admin(proxy.adminAddress, 'PUT', '/admin/routes', 'wrong', { canaryWeight: 5 })).status).toBe(401);
    expect((await admin(proxy.adminAddress, 'GET', '/healthz', undefined)).body).toMatchObject({
      name: 'chimera-proxy',
      service: 'web',
    });
    expect((await admin(proxy.adminAddress, 'GET', '/metrics', undefined)).status).toBe(200);
  });

  it('when admin bodies are bad, then 400 (or 413) with a message, and nothing changes', async () => {
    await routes({ canaryWeight: 10 });
    const before = (await admin(proxy.adminAddress, 'GET', '/admin/routes', TOKEN)).body;
    const bad: Array<[unknown, number, RegExp]> = [
      [{ canaryWeight: 101 }, 400, /canaryWeight/],
      [{ canaryWeight: -5 }, 400, /canaryWeight/],
      [{ stable: { version: 'v1', endpoints: [] } }, 400, /endpoints/],
      [{ stable: { version: '', endpoints: ['127.0.0.1:1'] } }, 400, /version/],
      [{ canary: { version: 'v3', endpoints: ['nope'] } }, 400, /expected an endpoint/],
      ['{not json', 400, /not valid JSON/],
      [JSON.stringify({ canaryWeight: 1, pad: 'x'.repeat(100_000) }), 413, /larger than/],
    ];
    for (const [body, status, message] of bad) {
      const r = await admin(proxy.adminAddress, 'PUT', '/admin/routes', TOKEN, body);
      expect(r.status).toBe(status);
      expect(r.body.error).toMatch(message);
    }
    const after = (await admin(proxy.adminAddress, 'GET', '/admin/routes', TOKEN)).body;
    expect(after).toEqual(before);
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({
      revision: before.revision,
      canaryWeight: 10,
    });
  });

  it('streams request and response bodies, drops hop-by-hop headers and adds X-Forwarded-For', async () => {
    await routes({ canaryWeight: 0 });
    const payload = Buffer.alloc(1 << 20, 'chimera');
    // node:http, because undici (rightly) refuses to send a Connection header listing other headers
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`http://${proxy.listenAddress}/echo`, {
        method: 'POST',
        headers: { connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'x-end': 'kept', 'x-forwarded-for': '10.9.8.7' },
      });
      req.on('response', resolve).on('error', reject);
      req.end(payload);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const echoed = Buffer.concat(chunks);
    expect(res.statusCode).toBe(200);
    expect(createHash('sha256').update(echoed).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    const seen = JSON.parse(res.headers['x-seen-headers'] as string);
    expect(seen['x-hop']).toBeUndefined();
    expect(seen['x-end']).toBe('kept');
    expect(seen['x-forwarded-for']).toBe('10.9.8.7, 127.0.0.1');
    expect(res.headers['x-upstream-hop']).toBeUndefined();
  });

  it('reuses upstream connections (keep-alive)', async () => {
    await routes({ canaryWeight: 0 });
    const before = v1.connections;
    for (let i = 0; i < 200; i++) expect((await get()).status).toBe(200);
    expect(v1.connections - before).toBeLessThanOrEqual(2);
  });

  it('/metrics is Prometheus text with per-version series', async () => {
    const text = (await admin(proxy.adminAddress, 'GET', '/metrics', undefined)).body as string;
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(samples.length).toBeGreaterThan(10);
    for (const line of samples) expect(line).toMatch(/^[a-z_]+(\{([a-z_]+="(\\.|[^"\\])*",?)*\})? [0-9.e+-]+$/);
    expect(text).toMatch(/^# TYPE chimera_proxy_requests_total counter$/m);
    expect(text).toMatch(/^# TYPE chimera_proxy_request_duration_ms histogram$/m);
    expect(text).toMatch(/chimera_proxy_requests_total\{service="web",version="v2",role="canary",code_class="5xx"\} 7/);
  });

  it('given persisted routes, when a new proxy starts on the same state file, then it routes the same way', async () => {
    await routes({ canaryWeight: 100 });
    const again = await startProxy({ listen: '127.0.0.1:0', admin: '127.0.0.1:0', stateFile, token: TOKEN, engine });
    try {
      const r = await request(`http://${again.listenAddress}/`);
      expect(await r.body.text()).toBe('v2');
      expect((await admin(again.adminAddress, 'GET', '/admin/routes', TOKEN)).body).toMatchObject({
        canaryWeight: 100,
        stable: { version: 'v1' },
        canary: { version: 'v2' },
      });
    } finally {
      await again.close();
    }
  });

  it('refuses a listen address already in use with a ConfigError naming it', async () => {
    await expect(
      startProxy({ listen: proxy.listenAddress, admin: '127.0.0.1:0', stateFile, token: TOKEN }),
    ).rejects.toThrow(new RegExp(`--listen ${proxy.listenAddress}: address already in use`));
  });
});
