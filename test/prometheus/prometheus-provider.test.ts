import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/core/measurement.js';
import { ProviderError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import type { MetricProvider } from '../../src/ports/metric-provider.js';
import { createRouter } from '../../src/providers/haproxy/index.js';
import { haproxyRouterConfig } from '../../src/providers/haproxy/config.js';
import { prometheusConfig } from '../../src/providers/prometheus/config.js';
import { createMetricProvider } from '../../src/providers/prometheus/index.js';
import { startProxy, type RunningProxy } from '../../src/proxy/index.js';
import { freePort, haproxyBinary, startHaproxy, type HaproxyInstance } from '../haproxy/haproxy-process.js';
import { sendRequests, startUpstream, type Upstream } from '../haproxy/upstream.js';
import {
  prometheusBinary,
  requireBackend,
  startPrometheus,
  waitFor,
  type PrometheusInstance,
} from './prometheus-process.js';

const promBin = prometheusBinary();
const haBin = haproxyBinary();
const enabled =
  requireBackend('prometheus', promBin, 'scripts/test-env/prometheus.sh') &&
  requireBackend('haproxy', haBin, 'scripts/test-env/haproxy.sh');
const signal = new AbortController().signal;
const ctx = (dataDir: string) => ({ service: 'web', dataDir, log: silentLogger });

async function provider(fields: Record<string, unknown>): Promise<MetricProvider> {
  return createMetricProvider(prometheusConfig.parse({ kind: 'prometheus', ...fields }), ctx(tmpdir()));
}

describe.skipIf(!enabled)(
  'Prometheus provider against a real Prometheus scraping HAProxy and the built-in proxy',
  () => {
    let v1: Upstream;
    let v2: Upstream;
    let haproxy: HaproxyInstance;
    let proxy: RunningProxy;
    let prom: PrometheusInstance;
    let dataDir: string;
    let since: number;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'chimera-prom-test-'));
      v1 = await startUpstream('v1');
      v2 = await startUpstream('v2', 0.2); // every fifth canary request fails
      haproxy = await startHaproxy(haBin!, 'web', v1.port);
      const router = await createRouter(
        haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: haproxy.socket }),
        ctx(dataDir),
      );
      const ep = (port: number) => [{ host: '127.0.0.1', port }];
      const status = { service: 'web', desired: 1, ready: 1, refs: {} };
      await router.reconcile(
        {
          stable: { ...status, version: 'v1', role: 'stable', endpoints: ep(v1.port) },
          canary: { ...status, version: 'v2', role: 'canary', endpoints: ep(v2.port) },
        },
        signal,
      );
      await router.setWeight(50, signal);

      proxy = await startProxy({
        listen: '127.0.0.1:0',
        admin: '127.0.0.1:0',
        stateFile: join(dataDir, 'routes.json'),
        token: 't0ken',
        service: 'web',
      });
      const put = await fetch(`http://${proxy.adminAddress}/admin/routes`, {
        method: 'PUT',
        headers: { authorization: 'Bearer t0ken', 'content-type': 'application/json' },
        body: JSON.stringify({
          stable: { version: 'v1', endpoints: ep(v1.port) },
          canary: { version: 'v2', endpoints: ep(v2.port) },
          canaryWeight: 50,
        }),
      });
      expect(put.status).toBe(200);

      prom = await startPrometheus(promBin!, [
        { job: 'haproxy', targets: [`127.0.0.1:${haproxy.metricsPort}`] },
        { job: 'chimera-proxy', targets: [proxy.adminAddress] },
      ]);
      // Both targets scraped at least twice before the analysis "begins", so increase() has a baseline.
      const up = await provider({ address: prom.address });
      await up.online(signal);
      await waitFor('both targets up', async () => {
        const r = await fetch(
          `${prom.address}/api/v1/query?query=${encodeURIComponent('count_over_time(up[1m]) >= 2')}`,
        );
        const body = (await r.json()) as { data: { result: unknown[] } };
        return body.data.result.length === 2;
      });
      since = Date.now();
      await sendRequests(haproxy.port, 200);
      const [proxyHost, proxyPort] = proxy.listenAddress.split(':');
      expect(proxyHost).toBe('127.0.0.1');
      await sendRequests(Number(proxyPort), 200);
    });

    afterAll(async () => {
      await prom?.stop();
      await proxy?.close();
      await haproxy?.stop();
      await v1?.close();
      await v2?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    /** Measures until the canary has seen about all its requests (scrapes are once a second). */
    async function measureSettled(p: MetricProvider): Promise<Extract<Measurement, { phase: 'ok' }>> {
      let m: Measurement | undefined;
      await waitFor('canary counts scraped', async () => {
        m = await p.measure(
          { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since, now: Date.now() },
          signal,
        );
        return m.phase === 'ok' && m.canary.requests + m.stable.requests >= 200;
      });
      return m as Extract<Measurement, { phase: 'ok' }>;
    }

    it('given HAProxy at 50%, the haproxy query set sees per-server counts and the canary errors', async () => {
      const m = await measureSettled(await provider({ address: prom.address, querySet: 'haproxy' }));
      // Exact counts (not increase()'s extrapolation): 200 requests at 50% by roundrobin, every fifth canary one failing.
      expect(m.stable.errors).toBe(0);
      expect(m.stable.requests + m.canary.requests).toBe(200);
      expect(Math.abs(m.canary.requests - 100)).toBeLessThanOrEqual(2);
      expect(m.canary.errors).toBe(Math.floor(m.canary.requests / 5));
      expect(m.canary.latency).toBeUndefined();
    });

    it('given the built-in proxy, the chimera-proxy query set sees counts, a latency histogram and quantiles', async () => {
      const m = await measureSettled(await provider({ address: prom.address, querySet: 'chimera-proxy' }));
      expect(m.stable.errors).toBe(0);
      expect(m.stable.requests + m.canary.requests).toBe(200);
      expect(Math.abs(m.canary.errors - m.canary.requests / 5)).toBeLessThanOrEqual(1);
      expect(m.canary.latency?.le.length).toBeGreaterThan(3);
      expect(m.canary.latency?.count).toBe(m.canary.requests);
      expect(m.canary.quantiles?.p99).toBeGreaterThanOrEqual(0);
    });

    it("offers the stable version's latency of the hour before the analysis, once, at the first reading", async () => {
      // An analysis that begins now: the requests sent above lie before it, so they are history, not counts.
      let first: Extract<Measurement, { phase: 'ok' }> | undefined;
      let p: MetricProvider | undefined;
      let later = 0;
      await waitFor('the earlier proxy requests in the history', async () => {
        later = Date.now();
        p = await provider({ address: prom.address, querySet: 'chimera-proxy' });
        const m = await p.measure(
          { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since: later, now: later },
          signal,
        );
        if (m.phase !== 'ok') return false;
        first = m;
        return (m.stableHistory?.count ?? 0) >= 90;
      });
      // v1 served about half of the 200 proxy requests, all before `later`; none are counted in the analysis.
      expect(first!.stableHistory!.count).toBeLessThanOrEqual(110);
      expect(first!.stableHistory!.le.length).toBeGreaterThan(3);
      expect(first!.stable.requests).toBeLessThan(first!.stableHistory!.count);
      const second = await p!.measure(
        { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since: later, now: Date.now() },
        signal,
      );
      expect(second.phase).toBe('ok');
      if (second.phase === 'ok') expect(second.stableHistory).toBeUndefined();
      // A query set without latency buckets has no history to offer.
      const hap = await provider({ address: prom.address, querySet: 'haproxy' });
      const h = await hap.measure(
        { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since: Date.now(), now: Date.now() },
        signal,
      );
      if (h.phase === 'ok') expect(h.stableHistory).toBeUndefined();
    });

    it('counts never shrink from one reading to the next (cumulative per rollout)', async () => {
      const p = await provider({ address: prom.address, querySet: 'haproxy' });
      const a = await measureSettled(p);
      const b = await p.measure(
        { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since, now: Date.now() },
        signal,
      );
      expect(b.phase).toBe('ok');
      if (b.phase === 'ok') expect(b.canary.requests).toBeGreaterThanOrEqual(a.canary.requests);
    });

    it('a version nobody exports is no-data with the query in the reason, never a pass', async () => {
      const p = await provider({ address: prom.address, querySet: 'chimera-proxy' });
      const m = await p.measure(
        { service: 'web', stableVersion: 'v1', canaryVersion: 'v9', since, now: Date.now() },
        signal,
      );
      expect(m.phase).toBe('no-data');
      if (m.phase !== 'ok') expect(m.reason).toMatch(/no series for canary v9 requests.*chimera_proxy_requests_total/);
    });

    it('NaN is no-data with a reason', async () => {
      const p = await provider({ address: prom.address, queries: { requests: '0/0', errors: 'vector(0)' } });
      const m = await p.measure(
        { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since, now: Date.now() },
        signal,
      );
      expect(m).toMatchObject({ phase: 'no-data', reason: expect.stringMatching(/requests is NaN/) });
    });

    it('a query Prometheus rejects is an error with its message', async () => {
      const p = await provider({ address: prom.address, queries: { requests: 'sum(rate(x[{{window}}])' } });
      const m = await p.measure(
        { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since, now: Date.now() },
        signal,
      );
      expect(m).toMatchObject({ phase: 'error', reason: expect.stringMatching(/HTTP 400 bad_data/) });
    });

    it('Prometheus down: measure is an error (no promotion) and online() says why', async () => {
      const port = await freePort();
      const p = await provider({ address: `http://127.0.0.1:${port}` });
      const m = await p.measure(
        { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since, now: Date.now() },
        signal,
      );
      expect(m).toMatchObject({ phase: 'error', reason: expect.stringMatching(/unreachable.*ECONNREFUSED/) });
      const err = await p.online(signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).retriable).toBe(true);
    });

    it('a Prometheus that never answers is a timeout error after the configured bound', async () => {
      // Hand-written: a real Prometheus cannot be made to hang on demand. Accepts connections, never answers.
      const sockets: Socket[] = [];
      const silent: Server = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const { port } = silent.address() as { port: number };
      try {
        const p = await provider({ address: `http://127.0.0.1:${port}`, timeout: '300ms' });
        const m = await p.measure(
          { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since, now: Date.now() },
          signal,
        );
        expect(m).toMatchObject({ phase: 'error', reason: expect.stringMatching(/no answer within 300ms/) });
      } finally {
        sockets.forEach((s) => s.destroy());
        await new Promise((r) => silent.close(r));
      }
    });
  },
);
