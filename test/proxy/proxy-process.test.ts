import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createMetricProvider, createRouter } from '../../src/providers/builtin-proxy/index.js';
import { proxyPaths } from '../../src/providers/builtin-proxy/paths.js';
import { freePort, tempDir, waitFor } from './helpers.js';
import { proxyWorld, versionStatus, type ProxyWorld } from './harness.js';

const signal = () => AbortSignal.timeout(60_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('chimera proxy as its own process, started by the router', () => {
  let w: ProxyWorld;

  beforeAll(async () => {
    w = await proxyWorld();
    await w.router.reconcile(
      { stable: versionStatus(w.v1, 'stable'), canary: versionStatus(w.v2, 'canary') },
      signal(),
    );
    await w.router.setWeight(40, signal());
  });
  afterAll(async () => {
    await w?.cleanup();
  });

  it('given a 40% split, when the controller goes away, then the proxy keeps serving the same split', async () => {
    const pid = Number(await readFile(proxyPaths(w.ctx.dataDir, 'web').pid, 'utf8'));
    await w.router.close(); // the controller is gone; the proxy is a separate, detached process
    expect(alive(pid)).toBe(true);
    const bodies = await w.send(100);
    expect(bodies.filter((b) => b === 'v2')).toHaveLength(40);
    w.router = await createRouter({ kind: 'builtin-proxy', listen: w.listen, admin: w.admin }, w.ctx);
    expect(await w.router.getRoutes(signal())).toMatchObject({ canaryWeight: 40, stableVersion: 'v1' });
    expect(Number(await readFile(proxyPaths(w.ctx.dataDir, 'web').pid, 'utf8'))).toBe(pid); // adopted, not restarted
  });

  it('when the proxy is killed with SIGKILL, then the next router call starts it again with the same weights', async () => {
    const pidFile = proxyPaths(w.ctx.dataDir, 'web').pid;
    const pid = Number(await readFile(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor(() => Promise.resolve(alive(pid) ? undefined : true), 'the proxy to die');
    expect(await w.router.getRoutes(signal())).toEqual({ canaryWeight: 40, stableVersion: 'v1', canaryVersion: 'v2' });
    const newPid = Number(await readFile(pidFile, 'utf8'));
    expect(newPid).not.toBe(pid);
    expect((await w.send(50)).filter((b) => b === 'v2')).toHaveLength(20);
  });
  it('when the proxy restarts, then the metric provider keeps counts monotone (adds what it saw before)', async () => {
    const metrics = await createMetricProvider({ kind: 'builtin-proxy', admin: w.admin }, w.ctx);
    const query = { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since: 0, now: Date.now() };
    try {
      await w.router.setWeight(100, signal());
      const before = await metrics.measure(query, signal());
      await w.send(10);
      const mid = await metrics.measure(query, signal());
      const pidFile = proxyPaths(w.ctx.dataDir, 'web').pid;
      const pid = Number(await readFile(pidFile, 'utf8'));
      process.kill(pid, 'SIGKILL');
      await waitFor(() => Promise.resolve(alive(pid) ? undefined : true), 'the proxy to die');
      await w.router.getRoutes(signal()); // starts it again; its own counters begin at zero
      await w.send(3);
      const after = await metrics.measure(query, signal());
      expect(before.phase === 'ok' && mid.phase === 'ok' && after.phase === 'ok').toBe(true);
      if (before.phase !== 'ok' || mid.phase !== 'ok' || after.phase !== 'ok') return;
      expect(mid.canary.requests - before.canary.requests).toBe(10);
      expect(after.canary.requests - mid.canary.requests).toBe(3);
      expect(after.canary.latency?.count).toBe(after.canary.requests);
    } finally {
      await metrics.close();
    }
  });
});

describe('addresses already in use', () => {
  it('given something else on the admin address, then the router fails with a ConfigError naming it', async () => {
    const tmp = await tempDir();
    const foreign = createServer((_req, res) => res.end('not a proxy'));
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const admin = `127.0.0.1:${(foreign.address() as { port: number }).port}`;
    try {
      const router = await createRouter(
        { kind: 'builtin-proxy', listen: `127.0.0.1:${await freePort()}`, admin },
        { service: 'web', dataDir: tmp.dir, log: silentLogger },
      );
      const err: unknown = await router.getRoutes(signal()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(admin);
      await router.close();
    } finally {
      foreign.close();
      await tmp.remove();
    }
  });

  it('given something else on the listen address, then the router fails with a ConfigError naming it', async () => {
    const tmp = await tempDir();
    const squatter = createNetServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const listen = `127.0.0.1:${(squatter.address() as { port: number }).port}`;
    try {
      const router = await createRouter(
        { kind: 'builtin-proxy', listen, admin: `127.0.0.1:${await freePort()}` },
        { service: 'web', dataDir: tmp.dir, log: silentLogger },
      );
      const err: unknown = await router.getRoutes(signal()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(new RegExp(`${listen}: address already in use`));
      await router.close();
    } finally {
      squatter.close();
      await tmp.remove();
    }
  });

  it('`chimera proxy` with a malformed address exits 2 and names the flag', async () => {
    const root = resolve(import.meta.dirname, '../..');
    const run = promisify(execFile);
    const err = (await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/proxy/entry.ts',
        'proxy',
        '--listen',
        'nope',
        '--admin',
        '127.0.0.1:0',
        '--state',
        '/tmp/x.json',
      ],
      { cwd: root, env: { ...process.env, CHIMERA_PROXY_TOKEN: 't' } },
    ).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/--listen: expected host:port/);
  });
});
