import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/logger.js';
import { describeMetricProviderConformance } from '../../src/ports/metric-provider.conformance.js';
import { haproxyRouterConfig } from '../../src/providers/haproxy/config.js';
import { createRouter } from '../../src/providers/haproxy/index.js';
import { prometheusConfig } from '../../src/providers/prometheus/config.js';
import { createMetricProvider } from '../../src/providers/prometheus/index.js';
import { haproxyBinary, startHaproxy } from '../haproxy/haproxy-process.js';
import { sendRequests, startUpstream } from '../haproxy/upstream.js';
import { prometheusBinary, requireBackend, startPrometheus, waitFor } from './prometheus-process.js';

const promBin = prometheusBinary();
const haBin = haproxyBinary();

if (
  requireBackend('prometheus', promBin, 'scripts/test-env/prometheus.sh') &&
  requireBackend('haproxy', haBin, 'scripts/test-env/haproxy.sh')
) {
  // The real chain: requests through HAProxy, counted by its exporter, scraped by Prometheus every second.
  describeMetricProviderConformance('prometheus (haproxy query set)', async () => {
    const signal = () => AbortSignal.timeout(30_000);
    const v1 = await startUpstream('v1');
    const v2 = await startUpstream('v2');
    const haproxy = await startHaproxy(haBin!, 'web', v1.port);
    const dataDir = await mkdtemp(join(tmpdir(), 'chimera-prom-conf-'));
    const ctx = { service: 'web', dataDir, log: silentLogger };
    const router = await createRouter(haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: haproxy.socket }), ctx);
    const ep = (port: number) => [{ host: '127.0.0.1', port }];
    const base = { service: 'web', desired: 1, ready: 1, refs: {} };
    await router.reconcile(
      {
        stable: { ...base, version: 'v1', role: 'stable', endpoints: ep(v1.port) },
        canary: { ...base, version: 'v2', role: 'canary', endpoints: ep(v2.port) },
      },
      signal(),
    );
    const prom = await startPrometheus(promBin!, [{ job: 'haproxy', targets: [`127.0.0.1:${haproxy.metricsPort}`] }]);
    const provider = await createMetricProvider(
      prometheusConfig.parse({ kind: 'prometheus', address: prom.address, querySet: 'haproxy' }),
      ctx,
    );
    let sent = 0;
    /** Total responses Prometheus has scraped for the backend's two servers. */
    const scraped = async (): Promise<number> => {
      const q = encodeURIComponent('sum(haproxy_server_http_responses_total{proxy="web"})');
      const body = (await (await fetch(`${prom.address}/api/v1/query?query=${q}`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      return Number(body.data.result[0]?.value[1] ?? -1);
    };
    await waitFor('first scrape', async () => (await scraped()) >= 0);
    return {
      provider,
      query: { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since: Date.now(), now: Date.now() },
      async drive(traffic) {
        for (const role of ['stable', 'canary'] as const) {
          const t = traffic[role];
          if (!t) continue;
          await router.setWeight(role === 'canary' ? 100 : 0, signal());
          await sendRequests(haproxy.port, t.requests - t.errors, '/');
          await sendRequests(haproxy.port, t.errors, '/fail');
          sent += t.requests;
        }
        await waitFor(`Prometheus to scrape ${sent} responses`, async () => (await scraped()) >= sent);
      },
      stop: () => prom.stop(),
      async cleanup() {
        await provider.close();
        await router.close();
        await prom.stop();
        await haproxy.stop();
        await v1.close();
        await v2.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  });
}
