import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

function version(v: string, role: 'stable' | 'canary', instances: Upstream[]): VersionStatus {
  const endpoints = instances.map((u) => ({ host: '127.0.0.1', port: u.port }));
  return { service: 'web', version: v, role, desired: endpoints.length, ready: endpoints.length, endpoints, refs: {} };
}

const served = (instances: Upstream[]) => instances.map((u) => u.served);

/**
 * Given versions with several instances and a backend with `server-template` slots, the router spreads each
 * version's share over all of its instances and keeps unused slots out of rotation.
 */
describe.skipIf(!enabled)('HAProxy router with several instances per version (server-template slots)', () => {
  let v1: Upstream[];
  let v2: Upstream[];
  let haproxy: HaproxyInstance;
  let dataDir: string;
  let router: TrafficRouter;

  beforeAll(async () => {
    v1 = await Promise.all([startUpstream('v1'), startUpstream('v1'), startUpstream('v1')]);
    v2 = await Promise.all([startUpstream('v2'), startUpstream('v2')]);
    const slots =
      `  server-template stable 1-4 127.0.0.1:${v1[0]!.port} weight 100\n` +
      `  server-template canary 1-4 127.0.0.1:1 weight 0 disabled\n`;
    haproxy = await startHaproxy(bin!, 'web', v1[0]!.port, slots);
    dataDir = await mkdtemp(join(tmpdir(), 'chimera-haproxy-slots-'));
    router = await createRouter(haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: haproxy.socket }), {
      service: 'web',
      dataDir,
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await router?.close();
    await haproxy?.stop();
    for (const u of [...(v1 ?? []), ...(v2 ?? [])]) await u.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('given 3 stable and 2 canary instances at weight 20, every instance serves and the canary gets a fifth', async () => {
    await router.reconcile({ stable: version('v1', 'stable', v1), canary: version('v2', 'canary', v2) }, signal);
    // reconcile keeps the split applied before: everything on stable.
    expect(await router.getRoutes(signal)).toEqual({ canaryWeight: 0, stableVersion: 'v1', canaryVersion: 'v2' });
    await router.setWeight(20, signal);
    expect((await router.getRoutes(signal)).canaryWeight).toBe(20);

    const before = { v1: served(v1), v2: served(v2) };
    await sendRequests(haproxy.port, 300);
    const stableGot = served(v1).map((n, i) => n - before.v1[i]!);
    const canaryGot = served(v2).map((n, i) => n - before.v2[i]!);
    const canaryTotal = canaryGot.reduce((a, b) => a + b, 0);
    expect(canaryTotal + stableGot.reduce((a, b) => a + b, 0)).toBe(300);
    // Weighted round robin: 60 of 300 to the canary, give or take the cycle's phase.
    expect(canaryTotal).toBeGreaterThanOrEqual(55);
    expect(canaryTotal).toBeLessThanOrEqual(65);
    // Each instance of a version gets its equal part (the fourth slot of each role is out of rotation).
    for (const n of canaryGot) expect(n).toBeGreaterThanOrEqual(25);
    for (const n of stableGot) expect(n).toBeGreaterThanOrEqual(75);
  });

  it('when the canary scales down to one instance, the freed slot leaves rotation and the split holds', async () => {
    await router.reconcile({ stable: version('v1', 'stable', v1), canary: version('v2', 'canary', [v2[0]!]) }, signal);
    expect((await router.getRoutes(signal)).canaryWeight).toBe(20);
    const before = served(v2);
    await sendRequests(haproxy.port, 100);
    expect(served(v2)[1]).toBe(before[1]);
    expect(served(v2)[0]! - before[0]!).toBeGreaterThanOrEqual(17);
  });

  it('finalize moves every stable slot to the winner and takes all canary slots out', async () => {
    await router.reconcile({ stable: version('v1', 'stable', v1), canary: version('v2', 'canary', v2) }, signal);
    await router.finalize(version('v2', 'stable', v2), signal);
    expect(await router.getRoutes(signal)).toEqual({ canaryWeight: 0, stableVersion: 'v2', canaryVersion: undefined });
    const before = { v1: served(v1), v2: served(v2) };
    await sendRequests(haproxy.port, 40);
    expect(served(v1)).toEqual(before.v1);
    const got = served(v2).map((n, i) => n - before.v2[i]!);
    expect(got[0]! + got[1]!).toBe(40);
    expect(Math.min(...got)).toBeGreaterThanOrEqual(15);
  });
});
