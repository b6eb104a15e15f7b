import type { Logger } from '../logger.js';
import type { Analyzer } from '../ports/analyzer.js';
import type { MetricProvider } from '../ports/metric-provider.js';
import type { Notifier } from '../ports/notifier.js';
import { GateRunner } from '../gates/runner.js';
import { createNotifiers } from '../notify/index.js';
import type { Store } from '../ports/store.js';
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
  /** Runs the spec's hooks at gate points; absent when the spec has none. */
  gates?: GateRunner;
  close(): Promise<void>;
}

/** Builds the ports a spec names; extra notifiers (server-wide destinations) can be added by the caller. */
export async function portsForSpec(
  loaded: LoadedSpec,
  deps: {
    dataDir: string;
    log: Logger;
    notifiers?: Notifier[];
    store?: Store;
    rolloutUrl?: (id: string) => string | undefined;
  },
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
  // The spec's own destinations and gates; a missing secret variable is a ConfigError before anything starts.
  const own = await createNotifiers(spec.spec.notifications, ctx);
  const notifiers = [...(deps.notifiers ?? []), ...own];
  const gates =
    spec.spec.hooks.length > 0 && deps.store
      ? new GateRunner({
          hooks: spec.spec.hooks,
          store: deps.store,
          log: ctx.log,
          ...(deps.rolloutUrl ? { rolloutUrl: deps.rolloutUrl } : {}),
        })
      : undefined;
  return {
    ...(gates ? { gates } : {}),
    platform,
    router,
    metrics,
    analyzer,
    notifiers,
    async close() {
      // Closing releases clients only; workloads and the proxy keep running (the data plane outlives us).
      await Promise.allSettled([platform.close(), router.close(), metrics.close(), ...own.map((n) => n.close())]);
    },
  };
}
