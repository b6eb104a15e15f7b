import { ConfigError } from '../errors.js';
import type { MetricProvider } from '../ports/metric-provider.js';
import type { Platform } from '../ports/platform.js';
import type { TrafficRouter } from '../ports/traffic-router.js';
import { unknownKindMessage } from '../spec/messages.js';
import type { MetricsConfig, PlatformConfig, RouterConfig } from '../spec/providers.js';
import type { ProviderContext } from './context.js';

/**
 * One factory per `kind` of a config union. A mapped type, so a kind added to the spec's union without a factory
 * here is a compile error, and a factory receives exactly its own config type.
 */
export type ByKind<U extends { kind: string }, P> = {
  [K in U['kind']]: (config: Extract<U, { kind: K }>, ctx: ProviderContext) => Promise<P>;
};

// Each provider module is imported only when its kind is used, so `chimera validate` never loads an SDK.

export const platformFactories: ByKind<PlatformConfig, Platform> = {
  local: async (c, ctx) => (await import('./local/index.js')).createPlatform(c, ctx),
  kubernetes: async (c, ctx) => (await import('./kubernetes/index.js')).createPlatform(c, ctx),
  ecs: async (c, ctx) => (await import('./ecs/index.js')).createPlatform(c, ctx),
  docker: async (c, ctx) => (await import('./docker/index.js')).createPlatform(c, ctx),
  swarm: async (c, ctx) => (await import('./swarm/index.js')).createPlatform(c, ctx),
};

export const routerFactories: ByKind<RouterConfig, TrafficRouter> = {
  'builtin-proxy': async (c, ctx) => (await import('./builtin-proxy/index.js')).createRouter(c, ctx),
  'gateway-api': async (c, ctx) => (await import('./gateway-api/index.js')).createRouter(c, ctx),
  istio: async (c, ctx) => (await import('./istio/index.js')).createRouter(c, ctx),
  smi: async (c, ctx) => (await import('./smi/index.js')).createRouter(c, ctx),
  appmesh: async (c, ctx) => (await import('./appmesh/index.js')).createRouter(c, ctx),
  alb: async (c, ctx) => (await import('./alb/index.js')).createRouter(c, ctx),
  haproxy: async (c, ctx) => (await import('./haproxy/index.js')).createRouter(c, ctx),
};

export const metricProviderFactories: ByKind<MetricsConfig, MetricProvider> = {
  'builtin-proxy': async (c, ctx) => (await import('./builtin-proxy/index.js')).createMetricProvider(c, ctx),
  cloudwatch: async (c, ctx) => (await import('./cloudwatch/index.js')).createMetricProvider(c, ctx),
  prometheus: async (c, ctx) => (await import('./prometheus/index.js')).createMetricProvider(c, ctx),
};

/**
 * Looks up the factory for `config.kind`. Configs that bypassed the spec schema (an API body, a stored spec from
 * an older version) can carry any kind, so an unknown one is checked here again: a ConfigError listing the valid
 * kinds, never a silent fallback.
 */
function build<U extends { kind: string }, P>(
  label: string,
  factories: ByKind<U, P>,
  config: U,
  ctx: ProviderContext,
): Promise<P> {
  const kinds = Object.keys(factories);
  const kind: unknown = (config as { kind?: unknown } | null | undefined)?.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(factories, kind)) {
    const message = unknownKindMessage(label, kind, kinds);
    throw new ConfigError(message, [{ path: `spec.${label}.kind`, message }]);
  }
  const factory = factories[kind as U['kind']] as unknown as (c: U, ctx: ProviderContext) => Promise<P>;
  return factory(config, ctx);
}

/** Creates the platform a spec names. Rejects with ConfigError for an unknown kind. */
export async function createPlatform(config: PlatformConfig, ctx: ProviderContext): Promise<Platform> {
  return build('platform', platformFactories, config, ctx);
}

/** Creates the traffic router a spec names. Rejects with ConfigError for an unknown kind. */
export async function createRouter(config: RouterConfig, ctx: ProviderContext): Promise<TrafficRouter> {
  return build('router', routerFactories, config, ctx);
}

/** Creates the metric provider a spec names. Rejects with ConfigError for an unknown kind. */
export async function createMetricProvider(config: MetricsConfig, ctx: ProviderContext): Promise<MetricProvider> {
  return build('metrics', metricProviderFactories, config, ctx);
}

/** Every kind the registry can build, for `chimera` help texts and docs. */
export const PROVIDER_KINDS = {
  platform: Object.keys(platformFactories),
  router: Object.keys(routerFactories),
  metrics: Object.keys(metricProviderFactories),
};
