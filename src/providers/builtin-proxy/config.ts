import * as z from 'zod';
import { envName, hostPort } from '../../spec/common.js';

export { parseHostPort } from '../../spec/common.js';

/**
 * The built-in proxy as a router: `chimera proxy` listens on `listen` for users' traffic and on `admin` for
 * Chimera (weights, counters), authenticated with a token read from `tokenEnv`, or from a token file in the data
 * folder when unset. Addresses stay `host:port` strings; `parseHostPort` splits them.
 */
export const builtinProxyRouterConfig = z.strictObject({
  kind: z.literal('builtin-proxy'),
  listen: hostPort.default('127.0.0.1:8080'),
  admin: hostPort.default('127.0.0.1:8081'),
  tokenEnv: envName.optional(),
});

/**
 * The built-in proxy as a metric provider: reads the proxy's per-version counters from its admin address.
 * `admin` and `tokenEnv` default to the router's when the router is the built-in proxy (filled in by the spec
 * schema), so after loading `admin` is always set.
 */
export const builtinProxyMetricsConfig = z.strictObject({
  kind: z.literal('builtin-proxy'),
  admin: hostPort.optional(),
  tokenEnv: envName.optional(),
});

export type BuiltinProxyRouterConfig = z.output<typeof builtinProxyRouterConfig>;
export type BuiltinProxyMetricsConfig = z.output<typeof builtinProxyMetricsConfig>;
