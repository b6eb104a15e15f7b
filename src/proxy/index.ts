export { startProxy, type ProxyOptions, type RunningProxy } from './server.js';
export type { ProxyIdentity } from './admin.js';
export type { BackendSpec, RouteState, RouteUpdate } from './routes.js';
export { LATENCY_BUCKETS_MS } from './counters.js';
export { readOrCreateToken } from './token.js';
export { baseUrl, connectableHost, formatHostPort, parseHostPort } from './address.js';
