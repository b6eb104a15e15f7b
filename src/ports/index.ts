export type { Analyzer } from './analyzer.js';
export type { MetricProvider, MetricQuery } from './metric-provider.js';
export type { Notification, Notifier } from './notifier.js';
export type { Endpoint, Platform, Role, VersionStatus, VersionTarget } from './platform.js';
export type { RolloutFilter, Store, StoredEvent } from './store.js';
export type { AppliedRoutes, Backends, TrafficRouter } from './traffic-router.js';
