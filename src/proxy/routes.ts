import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { Endpoint } from '../ports/platform.js';
import { parseHostPort as splitHostPort } from '../spec/common.js';

/** One version the proxy routes to. */
export interface BackendSpec {
  version: string;
  endpoints: Endpoint[];
}

/** What the proxy routes to: persisted to the state file and served by `GET /admin/routes`. */
export interface RouteState {
  stable: BackendSpec | null;
  canary: BackendSpec | null;
  /** Percent 0–100 of requests sent to the canary. */
  canaryWeight: number;
  /** Incremented on every change, so a reader can tell two states apart. */
  revision: number;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

export const EMPTY_ROUTES: RouteState = { stable: null, canary: null, canaryWeight: 0, revision: 0, updatedAt: 0 };

/** `"host:port"` or `{ host, port }`, written by hand for one clear message instead of a union's two. */
const endpointSchema = z.unknown().transform((input, ctx): Endpoint => {
  const ep =
    typeof input === 'string'
      ? splitHostPort(input)
      : typeof input === 'object' && input !== null && Object.keys(input).every((k) => k === 'host' || k === 'port')
        ? (input as Partial<Endpoint>)
        : undefined;
  const host = ep?.host;
  const port = ep?.port;
  if (
    typeof host === 'string' &&
    /^[^\s/[\]]{1,253}$/.test(host) &&
    Number.isInteger(port) &&
    port! >= 1 &&
    port! <= 65535
  ) {
    return { host, port: port! };
  }
  ctx.issues.push({
    code: 'custom',
    input,
    message: `expected an endpoint "host:port" or { host, port } with a port 1–65535, got ${JSON.stringify(input)}`,
  });
  return z.NEVER;
});

const backendSchema = z.strictObject({
  version: z.string().trim().min(1, 'version must not be empty').max(200),
  endpoints: z.array(endpointSchema).min(1, 'endpoints must not be empty').max(1000),
});

/** Body of `PUT /admin/routes`: each field present replaces the current value; `canary: null` removes it. */
export const routeUpdateSchema = z.strictObject({
  stable: backendSchema.optional(),
  canary: backendSchema.nullable().optional(),
  canaryWeight: z
    .number({ error: 'canaryWeight must be a number' })
    .min(0, 'canaryWeight must be between 0 and 100')
    .max(100, 'canaryWeight must be between 0 and 100')
    .optional(),
});

export type RouteUpdate = z.input<typeof routeUpdateSchema>;

function fail(message: string, issues: ConfigIssue[]): never {
  throw new ConfigError(message, issues);
}

/**
 * The state after applying `body` to `current`, or a ConfigError listing every problem (nothing changes).
 * Removing the canary resets its weight to 0: a weight with nobody to receive it would be a lie in `GET`.
 */
export function applyUpdate(current: RouteState, body: unknown, now: number): RouteState {
  const parsed = routeUpdateSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    fail(`invalid routes: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  const u = parsed.data;
  if (u.stable === undefined && u.canary === undefined && u.canaryWeight === undefined) {
    fail('invalid routes: give at least one of stable, canary, canaryWeight', [
      { path: '(body)', message: 'nothing to change' },
    ]);
  }
  const stable = u.stable ?? current.stable;
  const canary = u.canary === undefined ? current.canary : u.canary;
  const canaryWeight = canary === null ? 0 : (u.canaryWeight ?? current.canaryWeight);
  if (!stable) fail('invalid routes: set a stable backend first', [{ path: 'stable', message: 'required' }]);
  if (canary && canary.version === stable.version) {
    fail(`invalid routes: canary version '${canary.version}' is the stable version`, [
      { path: 'canary.version', message: 'must differ from stable.version' },
    ]);
  }
  if (!canary && u.canaryWeight !== undefined && u.canaryWeight > 0) {
    fail('invalid routes: canaryWeight > 0 needs a canary backend', [
      { path: 'canaryWeight', message: 'no canary backend to send it to' },
    ]);
  }
  return { stable, canary, canaryWeight, revision: current.revision + 1, updatedAt: now };
}
