import * as z from 'zod';
import { httpUrl, oneOf, urlPath } from './common.js';
import { duration, percent } from './units.js';

/**
 * How measurements become decisions (issue 3). Durations are milliseconds and rates percent after parsing.
 */
export const analysisConfig = z.strictObject({
  /** false: steps advance on time and request counts alone, without waiting for a healthy verdict. */
  enabled: z.boolean().default(true),
  /** sequential: anytime-valid canary-vs-baseline test; threshold: fixed limits only; compare: Mann–Whitney per window. */
  mode: oneOf(['sequential', 'threshold', 'compare']).default('sequential'),
  /** How often metrics are read (ms). */
  interval: duration({ min: 100 }).prefault('5s'),
  /** False-rollback probability the sequential test allows. */
  alpha: z.number().gt(0).lt(0.5).default(0.01),
  /** Relative margin: a canary error rate up to baseline × (1 + tolerance) counts as healthy. */
  tolerance: z.number().min(0).max(100).default(0.5),
  /**
   * Absolute margin (percentage points) added to the relative one: with rare errors no test can show one rate
   * within 50 % of another before hundreds of errors, so "healthy" means rate ≤ baseline × (1 + tolerance) + this.
   */
  absoluteTolerance: percent({ max: 50 }).prefault('0.2%'),
  /**
   * Relative margin on latency: the canary's share of requests slower than the baseline's p99 bucket may be up
   * to (1 + latencyTolerance) × the baseline's, and its latency around the median up to (1 + latencyTolerance) ×
   * the baseline's. Within it a canary is never rolled back for latency.
   */
  latencyTolerance: z.number().min(0).max(100).default(0.2),
  /**
   * Absolute margin (percentage points) on that share for "healthy": shown ≤ baseline share × (1 +
   * latencyTolerance) + this. Lower it to hold small slowdowns longer; a healthy canary then waits longer too.
   */
  latencyAbsoluteTolerance: percent({ max: 50 }).prefault('1%'),
  /**
   * Largest group of errors that can hit one version together (a client retrying against one version, a bad pod):
   * the error test weighs each error as 1/errorClusterSize of one, which keeps false rollbacks ≤ alpha for such
   * groups at the price of a test that many times slower. 1: errors independent.
   */
  errorClusterSize: z.int().min(1).max(1000).default(1),
  /** Hard limits on the canary, applied in every mode. */
  thresholds: z
    .strictObject({
      /** Highest canary error rate (percent). */
      maxErrorRate: percent().prefault('5%'),
      /** Highest canary p99 latency (ms); no limit when absent. */
      maxP99Latency: duration({ min: 1 }).optional(),
    })
    .prefault({}),
  /** What happens when a step cannot be decided in time or metrics keep failing. */
  onInconclusive: oneOf(['pause', 'rollback']).default('pause'),
  /** Consecutive failed metric reads tolerated before `onInconclusive` applies. */
  maxMetricFailures: z.int().min(1).max(1000).default(3),
  /** Synthetic traffic for quiet services, sent through the router while a step lacks requests. */
  loadGenerator: z
    .strictObject({
      enabled: z.boolean().default(false),
      rps: z.number().gt(0).max(10_000).default(20),
      path: urlPath.default('/'),
      /**
       * Where users reach the service through the router (scheme, host, port; `path` is appended). Needed when the
       * router cannot tell it (every router but the built-in proxy); it overrides the router's own when given.
       */
      url: httpUrl.optional(),
    })
    .prefault({}),
});

/** Routers that know the address users reach the service at (`TrafficRouter.entryUrl`). */
export const ROUTERS_WITH_ENTRY_URL: readonly string[] = ['builtin-proxy'];

/**
 * The load generator is enabled but nothing says where to send its requests: a message for
 * `spec.analysis.loadGenerator.url`, or undefined when all is well.
 */
export function loadGeneratorUrlProblem(analysis: AnalysisConfig, routerKind: string): string | undefined {
  const lg = analysis.loadGenerator;
  if (!lg.enabled || lg.url !== undefined || ROUTERS_WITH_ENTRY_URL.includes(routerKind)) return undefined;
  return (
    `url is required when loadGenerator is enabled with the ${routerKind} router, which cannot tell where users ` +
    `reach the service: give that address, like http://127.0.0.1:8080`
  );
}

export type AnalysisConfig = z.output<typeof analysisConfig>;
