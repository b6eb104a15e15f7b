/** The canary spec: schema, loader with line:column errors, and the plan the engine runs. */
export { canarySpec, API_VERSION } from './schema.js';
export type {
  AnalysisConfig,
  CanarySpec,
  CanarySpecInput,
  HookConfig,
  MetricsConfig,
  NotificationConfig,
  PlatformConfig,
  RouterConfig,
  StrategyConfig,
} from './schema.js';
export { loadSpecFile, parseSpec, validateSpec, MAX_SPEC_BYTES } from './load.js';
export type { LoadedSpec } from './load.js';
export { planFromSpec } from './plan.js';
export { duration, percent, parseDuration, parsePercent, formatDuration } from './units.js';
export {
  platformConfig,
  routerConfig,
  metricsConfig,
  PLATFORM_KINDS,
  ROUTER_KINDS,
  METRICS_KINDS,
} from './providers.js';
