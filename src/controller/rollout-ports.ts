import type { Logger } from '../logger.js';
import type { Analyzer } from '../ports/analyzer.js';
import type { MetricProvider } from '../ports/metric-provider.js';
import type { Notifier } from '../ports/notifier.js';
import type { Platform } from '../ports/platform.js';
import type { TrafficRouter } from '../ports/traffic-router.js';
import type { LoadedSpec } from '../spec/load.js';
import type { ProviderContext } from '../providers/context.js';
import { createMetricProvider, createPlatform, createRouter } from '../providers/registry.js';
import { createAnalyzer, optionsFromSpec } from '../analysis/index.js';

/** Everything one rollout talks to, built from its canary spec. */
export interface RolloutPorts {
  platform: Platform;
  router: TrafficRouter;
  metrics: MetricProvider;
  analyzer: Analyzer;
  notifiers: Notifier[];
  close(): Promise<void>;
}

/** Builds the ports a spec names; extra notifiers (server-wide destinations) can be added by the caller. */
export async function portsForSpec(
  loaded: LoadedSpec,
  deps: { dataDir: string; log: Logger; notifiers?: Notifier[] },
): Promise<RolloutPorts> {
  const { spec } = loaded;
  const ctx: ProviderContext = {
    service: spec.metadata.name,
    dataDir: deps.dataDir,
    log: deps.log.child({ service: spec.metadata.name }),
  };
  // The loader has already made relative paths (platform.cwd) absolute against the spec file's folder.
  const platform = await createPlatform(spec.spec.platform, ctx);
  const router = await createRouter(spec.spec.router, ctx);
  const metrics = await createMetricProvider(spec.spec.metrics, ctx);
  const analyzer = createAnalyzer(optionsFromSpec(spec.spec.analysis));
  const notifiers = deps.notifiers ?? [];
  return {
    platform,
    router,
    metrics,
    analyzer,
    notifiers,
    async close() {
      // Closing releases clients only; workloads and the proxy keep running (the data plane outlives us).
      await Promise.allSettled([platform.close(), router.close(), metrics.close()]);
    },
  };
}
