import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ProviderError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import type { VersionStatus } from '../../src/ports/platform.js';
import type { TrafficRouter } from '../../src/ports/traffic-router.js';
import { haproxyRouterConfig } from '../../src/providers/haproxy/config.js';
import { createRouter } from '../../src/providers/haproxy/index.js';
import { requireBackend } from '../prometheus/prometheus-process.js';
import { haproxyBinary, startHaproxy, type HaproxyInstance } from './haproxy-process.js';
import { sendRequests, startUpstream, type Upstream } from './upstream.js';

const bin = haproxyBinary();
const enabled = requireBackend('haproxy', bin, 'scripts/test-env/haproxy.sh');
const signal = new AbortController().signal;

function version(v: string, role: 'stable' | 'canary', port: number): VersionStatus {
  return { service: 'web', version: v, role, desired: 1, ready: 1, endpoints: [{ host: '127.0.0.1', port }], refs: {} };
}

describe.skipIf(!enabled)('HAProxy router against a real haproxy', () => {
  let v1: Upstream;
  let v2: Upstream;
  let haproxy: HaproxyInstance;
  let dataDir: string;
  let router: TrafficRouter;

  beforeAll(async () => {
    v1 = await startUpstream('v1');
    v2 = await startUpstream('v2');
    haproxy = await startHaproxy(bin!, 'web', v1.port);
    dataDir = await mkdtemp(join(tmpdir(), 'chimera-haproxy-data-'));
    const config = haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: haproxy.socket });
    router = await createRouter(config, { service: 'web', dataDir, log: silentLogger });
  });
  afterAll(async () => {
    await router?.close();
    await haproxy?.stop();
    await v1?.close();
    await v2?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('given a stable and a canary, when the weight is 25, then a quarter of requests reach the canary', async () => {
    await router.reconcile(
      { stable: version('v1', 'stable', v1.port), canary: version('v2', 'canary', v2.port) },
      signal,
    );
    await router.setWeight(25, signal);
    expect(await router.getRoutes(signal)).toEqual({ canaryWeight: 25, stableVersion: 'v1', canaryVersion: 'v2' });
    const before = { v1: v1.served, v2: v2.served };
    await sendRequests(haproxy.port, 200);
    // roundrobin with weights 75/25 sends one in four over each whole cycle; the cycle's phase shifts a request or two.
    const canary = v2.served - before.v2;
    expect(canary).toBeGreaterThanOrEqual(48);
    expect(canary).toBeLessThanOrEqual(52);
    expect(canary + v1.served - before.v1).toBe(200);
  });

  it('reconcile again keeps the weight (idempotent)', async () => {
    await router.reconcile(
      { stable: version('v1', 'stable', v1.port), canary: version('v2', 'canary', v2.port) },
      signal,
    );
    expect((await router.getRoutes(signal)).canaryWeight).toBe(25);
  });

  it('weight 100 sends everything to the canary, weight 0 nothing', async () => {
    await router.setWeight(100, signal);
    expect((await router.getRoutes(signal)).canaryWeight).toBe(100);
    let before = v1.served;
    await sendRequests(haproxy.port, 20);
    expect(v1.served).toBe(before);
    await router.setWeight(0, signal);
    before = v2.served;
    await sendRequests(haproxy.port, 20);
    expect(v2.served).toBe(before);
  });

  it('finalize points the stable server at the winner and takes the canary out', async () => {
    await router.setWeight(50, signal);
    await router.finalize(version('v2', 'stable', v2.port), signal);
    expect(await router.getRoutes(signal)).toEqual({ canaryWeight: 0, stableVersion: 'v2', canaryVersion: undefined });
    const before = { v1: v1.served, v2: v2.served };
    await sendRequests(haproxy.port, 10);
    expect(v2.served - before.v2).toBe(10);
    expect(v1.served).toBe(before.v1);
  });

  it('a router created again reads the same routes back (adoption)', async () => {
    const again = await createRouter(haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: haproxy.socket }), {
      service: 'web',
      dataDir,
      log: silentLogger,
    });
    expect(await again.getRoutes(signal)).toEqual({ canaryWeight: 0, stableVersion: 'v2', canaryVersion: undefined });
  });

  it('rejects a weight outside 0–100 and changes nothing', async () => {
    await expect(router.setWeight(101, signal)).rejects.toBeInstanceOf(ConfigError);
    expect((await router.getRoutes(signal)).canaryWeight).toBe(0);
  });

  it('a missing backend or server is a clear, non-retriable error', async () => {
    const ctx = { service: 'web', dataDir, log: silentLogger };
    const noBackend = await createRouter(
      haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: haproxy.socket, backend: 'api' }),
      ctx,
    );
    const err = await noBackend
      .reconcile({ stable: version('v1', 'stable', v1.port) }, signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retriable).toBe(false);
    expect((err as Error).message).toContain('no backend "api"');

    const noServer = await createRouter(
      haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: haproxy.socket, canaryServer: 'green' }),
      ctx,
    );
    await expect(noServer.reconcile({ stable: version('v1', 'stable', v1.port) }, signal)).rejects.toThrow(
      /no server "green"/,
    );
    await expect(noServer.getRoutes(signal)).rejects.toThrow(/no server "green"/);
  });

  it('a missing socket is a ProviderError that says what to check', async () => {
    const missing = await createRouter(
      haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: join(dataDir, 'nope.sock') }),
      { service: 'web', dataDir, log: silentLogger },
    );
    const err = await missing.getRoutes(signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/ENOENT.*socket missing/);
  });

  it('works over TCP as well as a UNIX socket', () => {
    expect(haproxyRouterConfig.safeParse({ kind: 'haproxy', runtimeApi: 'tcp://127.0.0.1:9999' }).success).toBe(true);
    expect(haproxyRouterConfig.safeParse({ kind: 'haproxy', runtimeApi: 'localhost' }).success).toBe(false);
  });
});
