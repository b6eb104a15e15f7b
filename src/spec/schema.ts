import * as z from 'zod';
import { analysisConfig, loadGeneratorUrlProblem } from './analysis.js';
import { dnsLabel, versionName } from './common.js';
import { hookConfig, notificationConfig } from './gates.js';
import { metricsConfig, platformConfig, routerConfig } from './providers.js';
import { strategyConfig } from './strategy.js';

export const API_VERSION = 'chimera.dev/v1';

const metadata = z.strictObject({
  /** The service: a DNS label, unique among the specs a controller runs. */
  name: dnsLabel,
  labels: z.record(z.string(), z.string()).default({}),
});

const specBody = z.strictObject({
  /** Version to roll out; `--version` on the command line overrides it. */
  version: versionName.optional(),
  /** Version running now, used when Chimera has no record of the service yet. */
  stableVersion: versionName.optional(),
  platform: platformConfig,
  router: routerConfig.prefault({ kind: 'builtin-proxy' }),
  /** Defaults to the built-in proxy's counters when the router is the built-in proxy. */
  metrics: metricsConfig.optional(),
  strategy: strategyConfig.prefault({}),
  analysis: analysisConfig.prefault({}),
  hooks: z.array(hookConfig).max(100).default([]),
  notifications: z.array(notificationConfig).max(100).default([]),
});

/**
 * One `kind: Canary` document: how one service is rolled out. After parsing, durations are milliseconds,
 * weights and rates percent, and every default is filled in.
 */
export const canarySpec = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Canary'),
    metadata,
    spec: specBody,
  })
  .transform((doc, ctx) => {
    const { router } = doc.spec;
    const loadProblem = loadGeneratorUrlProblem(doc.spec.analysis, router.kind);
    if (loadProblem) {
      const path = ['spec', 'analysis', 'loadGenerator', 'url'];
      ctx.issues.push({ code: 'custom', input: doc.spec.analysis.loadGenerator, path, message: loadProblem });
      return z.NEVER;
    }
    const metrics =
      doc.spec.metrics ?? (router.kind === 'builtin-proxy' ? { kind: 'builtin-proxy' as const } : undefined);
    if (!metrics) {
      ctx.issues.push({ code: 'custom', input: doc.spec, path: ['spec', 'metrics'], message: 'metrics is required' });
      return z.NEVER;
    }
    // The built-in proxy's counters live behind the router's admin address; say it once, in the router.
    if (metrics.kind === 'builtin-proxy' && metrics.admin === undefined) {
      if (router.kind !== 'builtin-proxy') {
        ctx.issues.push({
          code: 'custom',
          input: metrics,
          path: ['spec', 'metrics', 'admin'],
          message: 'admin is required when the router is not the built-in proxy',
        });
        return z.NEVER;
      }
      metrics.admin = router.admin;
      metrics.tokenEnv ??= router.tokenEnv;
    }
    return { ...doc, spec: { ...doc.spec, metrics } };
  });

/** A validated canary spec with every default filled in. */
export type CanarySpec = z.output<typeof canarySpec>;
/** What a user may write: units as strings, defaults optional. */
export type CanarySpecInput = z.input<typeof canarySpec>;

export type { PlatformConfig, RouterConfig, MetricsConfig } from './providers.js';
export type { AnalysisConfig } from './analysis.js';
export type { StrategyConfig } from './strategy.js';
export type { HookConfig, NotificationConfig } from './gates.js';
