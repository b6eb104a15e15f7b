import { describeMetricProviderConformance } from '../../src/ports/metric-provider.conformance.js';
import { describeRouterConformance } from '../../src/ports/traffic-router.conformance.js';
import { createMetricProvider, stopProxy } from '../../src/providers/builtin-proxy/index.js';
import { proxyWorld, versionStatus } from './harness.js';

// The real thing: the router starts `chimera proxy` as its own process and talks to it over HTTP.
describeRouterConformance('builtin-proxy', async () => {
  const w = await proxyWorld();
  return {
    router: w.router,
    stable: versionStatus(w.v1, 'stable'),
    canary: versionStatus(w.v2, 'canary'),
    cleanup: () => w.cleanup(),
  };
});

describeMetricProviderConformance('builtin-proxy', async () => {
  const w = await proxyWorld();
  const signal = () => AbortSignal.timeout(30_000);
  await w.router.reconcile({ stable: versionStatus(w.v1, 'stable'), canary: versionStatus(w.v2, 'canary') }, signal());
  const provider = await createMetricProvider({ kind: 'builtin-proxy', admin: w.admin }, w.ctx);
  return {
    provider,
    query: { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since: 0, now: Date.now() },
    async drive(traffic) {
      for (const role of ['stable', 'canary'] as const) {
        const t = traffic[role];
        if (!t) continue;
        await w.router.setWeight(role === 'canary' ? 100 : 0, signal());
        await w.send(t.requests - t.errors, '/');
        await w.send(t.errors, '/fail');
      }
    },
    stop: () => stopProxy({ dataDir: w.ctx.dataDir, service: 'web' }),
    async cleanup() {
      await provider.close();
      await w.cleanup();
    },
  };
});
