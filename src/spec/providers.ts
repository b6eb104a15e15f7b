import * as z from 'zod';
import { builtinProxyMetricsConfig, builtinProxyRouterConfig } from '../providers/builtin-proxy/config.js';
import { localPlatformConfig } from '../providers/local/config.js';
import { kubernetesPlatformConfig } from '../providers/kubernetes/config.js';
import { gatewayApiRouterConfig } from '../providers/gateway-api/config.js';
import { istioRouterConfig } from '../providers/istio/config.js';
import { smiRouterConfig } from '../providers/smi/config.js';
import { ecsPlatformConfig } from '../providers/ecs/config.js';
import { appMeshRouterConfig } from '../providers/appmesh/config.js';
import { albRouterConfig } from '../providers/alb/config.js';
import { cloudWatchMetricsConfig } from '../providers/cloudwatch/config.js';
import { dockerPlatformConfig } from '../providers/docker/config.js';
import { haproxyRouterConfig } from '../providers/haproxy/config.js';
import { prometheusConfig } from '../providers/prometheus/config.js';
import { swarmPlatformConfig } from '../providers/swarm/config.js';

/**
 * The provider unions of the spec, discriminated by `kind`. Adding a provider is one entry in one list here
 * (plus its factory in `src/providers/registry.ts`, which the compiler then demands). An unknown kind becomes
 * "unknown platform kind 'dockr'; valid kinds: local" (see `issues.ts`).
 */
export const platformConfig = z.discriminatedUnion('kind', [
  kubernetesPlatformConfig,
  localPlatformConfig,
  ecsPlatformConfig,
  dockerPlatformConfig,
  swarmPlatformConfig,
]);
export const routerConfig = z.discriminatedUnion('kind', [
  gatewayApiRouterConfig,
  istioRouterConfig,
  smiRouterConfig,
  builtinProxyRouterConfig,
  appMeshRouterConfig,
  albRouterConfig,
  haproxyRouterConfig,
]);
export const metricsConfig = z.discriminatedUnion('kind', [
  builtinProxyMetricsConfig,
  cloudWatchMetricsConfig,
  prometheusConfig,
]);

export type PlatformConfig = z.output<typeof platformConfig>;
export type RouterConfig = z.output<typeof routerConfig>;
export type MetricsConfig = z.output<typeof metricsConfig>;

/** The kinds each union accepts, for messages and docs. */
export const PLATFORM_KINDS = platformConfig.options.map((o) => o.shape.kind.value);
export const ROUTER_KINDS = routerConfig.options.map((o) => o.shape.kind.value);
export const METRICS_KINDS = metricsConfig.options.map((o) => o.shape.kind.value);
